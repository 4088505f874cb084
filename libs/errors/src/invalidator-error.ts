/**
 * Base of every error the project throws on purpose.
 *
 * Retry logic reads {@link InvalidatorError.retriable} instead of guessing from messages:
 * a retriable error is transient (a server unreachable, a timeout) and the same work may succeed
 * later; a non-retriable one will fail the same way again (bad input, a rule error).
 */
export class InvalidatorError extends Error {
  /** Stable, machine-readable code, for example `RULES_INVALID` or `REDIS_UNAVAILABLE`. */
  readonly code: string;
  /** Whether the same operation may succeed if tried again. */
  readonly retriable: boolean;

  constructor(code: string, message: string, options: { retriable: boolean; cause?: unknown }) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retriable = options.retriable;
  }
}

/** True when `error` is an {@link InvalidatorError} that says it may succeed on a retry. */
export function isRetriable(error: unknown): boolean {
  return error instanceof InvalidatorError && error.retriable;
}

/** A one-line description of any thrown value, for logs and dead-letter headers. */
export function describeError(error: unknown): string {
  if (error instanceof InvalidatorError) return `${error.code}: ${error.message}`;
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
