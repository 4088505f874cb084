import { InvalidatorError } from '#errors';

/** Thrown when retrying stopped because the caller no longer wants the result (shutdown, rebalance). */
export class RetryAbortedError extends InvalidatorError {
  constructor(operation: string, attempts: number, cause: unknown) {
    super('RETRY_ABORTED', `${operation}: stopped retrying after ${attempts} attempt(s)`, {
      retriable: true,
      cause,
    });
  }
}

/**
 * Thrown by `withTimeout` when the work did not settle in time. Retriable: a slow server may
 * answer the next attempt.
 */
export class TimeoutError extends InvalidatorError {
  /** The bound that was exceeded. */
  readonly timeoutMs: number;

  constructor(operation: string, timeoutMs: number) {
    super('TIMEOUT', `${operation}: no result within ${timeoutMs} ms`, { retriable: true });
    this.timeoutMs = timeoutMs;
  }
}
