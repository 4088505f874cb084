import { InvalidatorError } from '#errors';

/** Kafka could not be reached or refused a request that may succeed later. */
export class KafkaUnavailableError extends InvalidatorError {
  constructor(operation: string, cause: unknown) {
    const detail = cause instanceof Error ? cause.message : String(cause);
    super('KAFKA_UNAVAILABLE', `${operation}: ${detail}`, { retriable: true, cause });
  }
}
