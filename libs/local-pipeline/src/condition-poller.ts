/** Thrown by {@link waitFor} and {@link pause} when their signal aborts (Ctrl-C). */
export class AbortedError extends Error {
  override readonly name = 'AbortedError';
}

/** Resolves after `ms`, or rejects with {@link AbortedError} as soon as `signal` aborts. */
export function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted === true) {
      reject(new AbortedError('interrupted'));
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new AbortedError('interrupted'));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** How {@link waitFor} polls, and how often. */
export interface WaitForOptions {
  /** Give up after this long. @default 10000 */
  readonly timeoutMs?: number;
  /** Pause between two probes. @default 50 */
  readonly intervalMs?: number;
  /** Named in the timeout error. @default 'condition' */
  readonly what?: string;
  /** Stops waiting with {@link AbortedError}. @default never */
  readonly signal?: AbortSignal;
}

/**
 * Polls `probe` until it returns something other than `undefined` or `false`, and returns that;
 * throws (with the last probe error as cause) once `timeoutMs` has passed. Conditions are
 * polled against a deadline, never slept on.
 */
export async function waitFor<T>(
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  options: WaitForOptions = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    if (options.signal?.aborted === true) throw new AbortedError('interrupted');
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${options.what ?? 'condition'}`,
        { cause: lastError },
      );
    }
    await pause(options.intervalMs ?? 50, options.signal);
  }
}
