import { InvalidatorError } from '#errors';
import type { MessageOrigin } from './change-event-types.js';

/** Why a message could not be decoded; the suffix of the error code. */
export type DecodeFailure = 'INVALID_UTF8' | 'INVALID_JSON' | 'UNEXPECTED_SHAPE';

/**
 * A message that is not a Debezium message this service understands. Never retriable: the same
 * bytes fail the same way, so the consumer should dead-letter the message.
 */
export class DecodeError extends InvalidatorError {
  readonly failure: DecodeFailure;
  readonly topic: string | undefined;
  readonly partition: number | undefined;
  readonly offset: string | undefined;

  constructor(
    failure: DecodeFailure,
    detail: string,
    origin: Partial<MessageOrigin> = {},
    cause?: unknown,
  ) {
    super(`DEBEZIUM_${failure}`, `${describeOrigin(origin)}${detail}`, { retriable: false, cause });
    this.failure = failure;
    this.topic = origin.topic;
    this.partition = origin.partition;
    this.offset = origin.offset;
  }
}

function describeOrigin(origin: Partial<MessageOrigin>): string {
  if (origin.topic === undefined) return '';
  const parts = [`topic ${origin.topic}`];
  if (origin.partition !== undefined) parts.push(`partition ${origin.partition}`);
  if (origin.offset !== undefined) parts.push(`offset ${origin.offset}`);
  return `${parts.join(', ')}: `;
}
