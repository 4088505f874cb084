import type { RedisClient } from './redis-client-factory.js';
import { RedisUnavailableError, toRedisError } from './redis.errors.js';

/**
 * Runs a pipeline and returns its replies; the first command error is thrown as a
 * `RedisError` (`key` names the key a WRONGTYPE reply is about).
 */
export async function execPipeline(
  pipeline: ReturnType<RedisClient['pipeline']>,
  operation: string,
  key?: string,
): Promise<unknown[]> {
  let replies: [Error | null, unknown][] | null;
  try {
    replies = await pipeline.exec();
  } catch (error) {
    throw toRedisError(error, operation, key);
  }
  if (replies === null) throw new RedisUnavailableError(`${operation}: pipeline was discarded`);
  return replies.map(([error, reply]) => {
    if (error !== null) throw toRedisError(error, operation, key);
    return reply;
  });
}

/**
 * Awaits every promise (so nothing is left running behind the caller's retry), then throws the
 * first failure as a `RedisError`, or returns the values.
 */
export async function settleAll<T>(
  promises: readonly Promise<T>[],
  operation: string,
): Promise<T[]> {
  const results = await Promise.allSettled(promises);
  const values: T[] = [];
  for (const result of results) {
    if (result.status === 'rejected') throw toRedisError(result.reason, operation);
    values.push(result.value);
  }
  return values;
}

/** Sums integer replies (UNLINK counts); anything else counts 0. */
export function sumReplies(replies: readonly unknown[]): number {
  return replies.reduce<number>((sum, reply) => sum + (typeof reply === 'number' ? reply : 0), 0);
}
