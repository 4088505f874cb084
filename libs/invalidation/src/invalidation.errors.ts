import { describeError, InvalidatorError } from '#errors';

/** A code handler failed for good (or returned something that is not targets). */
export class CodeHandlerError extends InvalidatorError {
  constructor(
    /** The handler's name, written to the dead letter's `invalidator.error.handler` header. */
    readonly handler: string,
    event: string,
    cause: unknown,
  ) {
    super('HANDLER_FAILED', `handler ${handler} failed on ${event}: ${describeError(cause)}`, {
      retriable: false,
      cause,
    });
  }
}
