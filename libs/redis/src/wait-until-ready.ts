import { TimeoutError, withTimeout } from '#retry';
import type { RedisClient } from './redis-client-factory.js';
import { isAccessDenied, RedisUnavailableError, toRedisError } from './redis.errors.js';

/** Fails fast, retriably, when the client is not connected (the offline queue is off). */
export function assertReady(client: RedisClient): void {
  if (client.status !== 'ready') {
    throw new RedisUnavailableError(`Redis client is ${client.status}, not ready`);
  }
}

/**
 * Resolves once the client is connected (cluster: slot map loaded). Rejects with a retriable
 * `REDIS_UNAVAILABLE` after `timeoutMs`, or at once, not retriable, when Redis refuses the
 * credentials or the ACL user (WRONGPASS, NOAUTH, NOPERM): waiting would not fix a wrong
 * configuration.
 */
export async function waitUntilReady(client: RedisClient, timeoutMs: number): Promise<void> {
  if (client.status === 'ready') return;
  if (client.status === 'wait') client.connect().catch(() => undefined);
  const { ready, stopListening } = readyOrRefused(client);
  try {
    await withTimeout(ready, timeoutMs, 'connect');
  } catch (error) {
    if (!(error instanceof TimeoutError)) throw error;
    throw new RedisUnavailableError(
      `Redis not ready after ${timeoutMs} ms (${client.status})`,
      error,
    );
  } finally {
    stopListening();
  }
}

/** Settles on the client's next `ready`, or on a connection error that waiting cannot fix. */
function readyOrRefused(client: RedisClient): {
  ready: Promise<void>;
  stopListening: () => void;
} {
  let onReady: () => void = () => undefined;
  let onError: (error: Error) => void = () => undefined;
  const ready = new Promise<void>((resolve, reject) => {
    onReady = resolve;
    onError = (error) => {
      if (isAccessDenied(error)) reject(toRedisError(error, 'connect'));
    };
  });
  client.on('ready', onReady);
  client.on('error', onError);
  return {
    ready,
    stopListening: () => {
      client.off('ready', onReady);
      client.off('error', onError);
    },
  };
}
