import { Partitioners, type IHeaders, type Kafka, type Producer } from 'kafkajs';
import { InvalidatorError, describeError } from '#errors';
import { CodeHandlerError, type DeadLetter, type DeadLetterSink } from '#invalidation';
import { KafkaUnavailableError } from './kafka.errors.js';

/** Header names added to a dead letter, beside the original message's own headers. */
export const DEAD_LETTER_HEADERS = {
  topic: 'invalidator.source.topic',
  partition: 'invalidator.source.partition',
  offset: 'invalidator.source.offset',
  errorCode: 'invalidator.error.code',
  errorMessage: 'invalidator.error.message',
  /** The code handler that failed, when one did (`LocaleKeys.onProductUpdated`). */
  errorHandler: 'invalidator.error.handler',
  failedAt: 'invalidator.failed-at',
} as const;

/**
 * Writes messages that cannot be processed to the dead-letter topic: original key, value and
 * headers, plus where the message came from and why it failed. Waits for all in-sync replicas,
 * because the source offset is committed right after.
 */
export class KafkaDeadLetterProducer implements DeadLetterSink {
  private producer: Producer | null = null;

  constructor(
    private readonly kafka: Kafka,
    private readonly topic: string,
    private readonly clock: () => number = Date.now,
  ) {}

  async connect(): Promise<void> {
    const producer = this.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await producer.connect();
    this.producer = producer;
  }

  async send(letters: readonly DeadLetter[]): Promise<void> {
    if (this.producer === null) {
      throw new KafkaUnavailableError('dead-letter produce', 'producer is not connected');
    }
    try {
      await this.producer.send({
        topic: this.topic,
        acks: -1,
        messages: letters.map((letter) => ({
          key: letter.message.key,
          value: letter.message.value,
          headers: this.headers(letter),
        })),
      });
    } catch (error) {
      throw new KafkaUnavailableError(`dead-letter produce to ${this.topic}`, error);
    }
  }

  async disconnect(): Promise<void> {
    await this.producer?.disconnect();
    this.producer = null;
  }

  private headers(letter: DeadLetter): IHeaders {
    const { message, error } = letter;
    return {
      ...message.headers,
      [DEAD_LETTER_HEADERS.topic]: message.topic,
      [DEAD_LETTER_HEADERS.partition]: String(message.partition),
      [DEAD_LETTER_HEADERS.offset]: message.offset,
      [DEAD_LETTER_HEADERS.errorCode]: error instanceof InvalidatorError ? error.code : 'INTERNAL',
      [DEAD_LETTER_HEADERS.errorMessage]: describeError(error),
      [DEAD_LETTER_HEADERS.failedAt]: new Date(this.clock()).toISOString(),
      ...(error instanceof CodeHandlerError
        ? { [DEAD_LETTER_HEADERS.errorHandler]: error.handler }
        : {}),
    };
  }
}
