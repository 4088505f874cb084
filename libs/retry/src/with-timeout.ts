import { TimeoutError } from './retry.errors.js';

/**
 * `work`'s result, or a {@link TimeoutError} naming `operation` once `timeoutMs` has passed.
 *
 * The timer is cleared as soon as `work` settles (nothing keeps the process alive), and a late
 * rejection of `work` is swallowed so it never surfaces as an unhandled rejection. The work itself
 * is not cancelled: give it its own signal or command timeout when it must stop.
 */
export async function withTimeout<T>(
  work: Promise<T>,
  timeoutMs: number,
  operation = 'operation',
): Promise<T> {
  work.catch(() => undefined);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new TimeoutError(operation, timeoutMs));
    }, timeoutMs);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
