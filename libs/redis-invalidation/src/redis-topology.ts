import { Cluster, type Redis } from 'ioredis';
import type { RedisClient } from './redis-client.factory.js';
import { RedisUnavailableError, toRedisInvalidationError } from './redis-invalidation.errors.js';

/** Narrow helpers over the two ioredis client kinds; internal to this lib. */
export function isCluster(client: RedisClient): client is Cluster {
  return client instanceof Cluster;
}

/** The servers a SCAN must visit: every master of a cluster, or the one server. */
export function mastersOf(client: RedisClient): Redis[] {
  return isCluster(client) ? client.nodes('master') : [client];
}

/** Fails fast, retriably, when the client is not connected (the offline queue is off). */
export function assertReady(client: RedisClient): void {
  if (client.status !== 'ready') {
    throw new RedisUnavailableError(`Redis client is ${client.status}, not ready`);
  }
}

/**
 * Awaits every promise (so nothing is left running behind the caller's retry), then throws the
 * first failure translated, or returns the values.
 */
export async function settleAll<T>(
  promises: readonly Promise<T>[],
  operation: string,
): Promise<T[]> {
  const results = await Promise.allSettled(promises);
  const values: T[] = [];
  for (const result of results) {
    if (result.status === 'rejected') throw toRedisInvalidationError(result.reason, operation);
    values.push(result.value);
  }
  return values;
}

/** Runs a pipeline and returns its replies; the first command error is thrown, translated. */
export async function execPipeline(
  pipeline: ReturnType<RedisClient['pipeline']>,
  operation: string,
  tagKey?: string,
): Promise<unknown[]> {
  let replies: [Error | null, unknown][] | null;
  try {
    replies = await pipeline.exec();
  } catch (error) {
    throw toRedisInvalidationError(error, operation, tagKey);
  }
  if (replies === null) throw new RedisUnavailableError(`${operation}: pipeline was discarded`);
  return replies.map(([error, reply]) => {
    if (error !== null) throw toRedisInvalidationError(error, operation, tagKey);
    return reply;
  });
}

/** Sums integer replies (UNLINK counts). */
export function sumReplies(replies: readonly unknown[]): number {
  return replies.reduce<number>((sum, reply) => sum + (typeof reply === 'number' ? reply : 0), 0);
}

/**
 * Resolves once the client is connected (cluster: slot map loaded). Rejects with a retriable
 * `REDIS_UNAVAILABLE` after `timeoutMs`, or at once, not retriable, when Redis refuses the
 * credentials (WRONGPASS, NOAUTH): waiting would not fix a wrong configuration.
 */
export async function waitUntilReady(client: RedisClient, timeoutMs: number): Promise<void> {
  if (client.status === 'ready') return;
  if (client.status === 'wait') client.connect().catch(() => undefined);
  await new Promise<void>((resolve, reject) => {
    const finish = (error?: Error): void => {
      clearTimeout(timer);
      client.off('ready', onReady);
      client.off('error', onError);
      if (error === undefined) resolve();
      else reject(error);
    };
    const onReady = (): void => {
      finish();
    };
    const onError = (error: Error): void => {
      if (/WRONGPASS|NOAUTH|NOPERM/.test(error.message)) {
        finish(toRedisInvalidationError(error, 'connect'));
      }
    };
    const timer = setTimeout(() => {
      finish(new RedisUnavailableError(`Redis not ready after ${timeoutMs} ms (${client.status})`));
    }, timeoutMs);
    client.on('ready', onReady);
    client.on('error', onError);
  });
}
