/** Thrown by {@link withTimeout} when the promise did not settle in time. */
export class CacheTimeoutError extends Error {
  constructor(ms: number) {
    super(`cache operation took longer than ${ms} ms`);
    this.name = 'CacheTimeoutError';
  }
}

/**
 * `promise`, or a {@link CacheTimeoutError} after `ms`. The late promise's rejection is swallowed so
 * it never surfaces as an unhandled rejection.
 */
export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  promise.catch(() => undefined);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new CacheTimeoutError(ms));
    }, ms);
  });
  return Promise.race([promise, timeout]).finally(() => {
    clearTimeout(timer);
  });
}

/** Resolves after `ms` (backoff between polls). */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
