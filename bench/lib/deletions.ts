import type { Redis } from 'ioredis';

/**
 * Watches a dedicated Redis's `del` keyevent notifications (UNLINK and DEL publish them when a key
 * existed) and records when each product key of `prefix` went: the Redis acknowledgement time,
 * give or take the loopback hop.
 */
export class DeletionWatcher {
  readonly deletedAt = new Map<number, number>();

  private constructor(private readonly subscriber: Redis) {}

  static async start(subscriber: Redis, prefix: string): Promise<DeletionWatcher> {
    const watcher = new DeletionWatcher(subscriber);
    const productPrefix = `${prefix}product:`;
    subscriber.on('message', (_channel: string, key: string) => {
      if (!key.startsWith(productPrefix)) return;
      const id = Number(key.slice(productPrefix.length));
      if (!watcher.deletedAt.has(id)) watcher.deletedAt.set(id, Date.now());
    });
    await subscriber.subscribe('__keyevent@0__:del');
    return watcher;
  }

  async stop(): Promise<void> {
    await this.subscriber.unsubscribe();
    this.subscriber.disconnect();
  }
}

/** SETs the product keys `ids` of `prefix` so that their deletion is observable. */
export async function setProductKeys(
  redis: Redis,
  prefix: string,
  ids: Iterable<number>,
): Promise<void> {
  let pipeline = redis.pipeline();
  for (const id of ids) {
    pipeline.set(`${prefix}product:${id}`, '1', 'EX', 3600);
    if (pipeline.length >= 10_000) {
      await pipeline.exec();
      pipeline = redis.pipeline();
    }
  }
  if (pipeline.length > 0) await pipeline.exec();
}
