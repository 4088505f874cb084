import { setTimeout as sleep } from 'node:timers/promises';
import { isRetriable } from '#errors';
import type { BackoffPolicy } from './backoff-policy.js';
import { RetryAbortedError } from './retry.errors.js';

/** How {@link retry} runs one operation. */
export interface RetryOptions {
  /** Name of the operation, for errors and logs. */
  readonly operation: string;
  readonly backoff: BackoffPolicy;
  /**
   * Attempts before the last error is thrown; transient failures are otherwise retried until
   * `shouldContinue` says stop. @default Infinity
   */
  readonly maxAttempts?: number;
  /** Asked before every retry; false ends with {@link RetryAbortedError}. @default always true */
  readonly shouldContinue?: () => boolean;
  /** Called before waiting for each retry. */
  readonly onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  /** Aborts the wait between attempts. */
  readonly signal?: AbortSignal;
}

/**
 * Runs `operation`, retrying it while it throws errors that say they are retriable
 * (`InvalidatorError.retriable`); any other error is thrown at once.
 */
export async function retry<T>(
  operation: (attempt: number) => Promise<T>,
  options: RetryOptions,
): Promise<T> {
  const maxAttempts = options.maxAttempts ?? Infinity;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await operation(attempt);
    } catch (error) {
      if (!isRetriable(error) || attempt >= maxAttempts) throw error;
      if (options.shouldContinue?.() === false || options.signal?.aborted === true) {
        throw new RetryAbortedError(options.operation, attempt, error);
      }
      const delay = options.backoff.delayMs(attempt);
      options.onRetry?.(error, attempt, delay);
      try {
        await sleep(delay, undefined, options.signal ? { signal: options.signal } : undefined);
      } catch {
        throw new RetryAbortedError(options.operation, attempt, error);
      }
    }
  }
}
