import type { Redis } from 'ioredis';
import { tagSetKeyFor } from '#cache-keys';
import type { Workload } from './events.js';

/**
 * Fills Redis with the cache entries the bench rules name (every product, category and brand
 * key, and each product's tag set holding its key), as an application's cache would hold them,
 * so that invalidations remove real keys.
 */
export async function populateCache(
  redis: Redis,
  prefix: string,
  workload: Workload,
): Promise<number> {
  let written = 0;
  let pipeline = redis.pipeline();
  const flush = async (force = false) => {
    if (pipeline.length >= 10_000 || (force && pipeline.length > 0)) {
      await pipeline.exec();
      pipeline = redis.pipeline();
    }
  };
  for (let id = 1; id <= workload.products; id++) {
    const key = `${prefix}product:${id}`;
    pipeline.set(key, `{"id":${id}}`, 'EX', 3600);
    pipeline.sadd(tagSetKeyFor(`${prefix}product:${id}`), key);
    pipeline.expire(tagSetKeyFor(`${prefix}product:${id}`), 3600);
    written += 2;
    await flush();
  }
  for (let id = 1; id <= workload.categories; id++) {
    pipeline.set(`${prefix}category:${id}:products`, '[]', 'EX', 3600);
    written++;
  }
  for (let id = 1; id <= workload.brands; id++) {
    pipeline.set(`${prefix}brand:${id}:products`, '[]', 'EX', 3600);
    written++;
  }
  await flush(true);
  return written;
}

/** Deletes every key containing `prefix` (bench keys, their tag sets and leases) with SCAN + UNLINK. */
export async function deletePrefix(
  redis: Redis,
  prefix: string,
  maxPages = 100_000,
): Promise<number> {
  let cursor = '0';
  let removed = 0;
  for (let page = 0; page < maxPages; page++) {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `*${prefix}*`, 'COUNT', 1000);
    if (keys.length > 0) removed += await redis.unlink(...keys);
    cursor = next;
    if (cursor === '0') break;
  }
  return removed;
}
