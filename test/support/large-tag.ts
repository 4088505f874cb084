import { tagSetKeyFor } from '#cache-keys';
import { waitFor } from '#local-pipeline';
import type { RedisClient } from '#redis';
import type { RedisInvalidator } from '#redis-invalidation';

/** What {@link invalidateLargeTagWithLateMember} observed. */
export interface LargeTagOutcome {
  /** Original members (or their leases) still in Redis afterwards: must be none. */
  readonly survivors: number;
  /** Members counted by the invalidation. */
  readonly found: number;
  /** Members left in the set when the late member was filed (> 0: filed mid-invalidation). */
  readonly leftWhenFiled: number;
  /** Whether the late member's entry still exists, and whether it is still filed. */
  readonly late: { readonly stored: boolean; readonly filed: boolean };
}

/**
 * Files `size` keys under a tag, starts invalidating the tag, and once the invalidation is under
 * way (the set has shrunk but is not empty) files one more key, as a cache fill would. Works on
 * a standalone server and on a cluster (one command per key where slots differ).
 */
export async function invalidateLargeTagWithLateMember(
  redis: RedisClient,
  invalidator: RedisInvalidator,
  prefix: string,
  size: number,
): Promise<LargeTagOutcome> {
  const tag = `${prefix}big`;
  const setKey = tagSetKeyFor(tag);
  const members = Array.from({ length: size }, (_, i) => `${prefix}item:${i}`);
  await fileMembers(redis, setKey, members);
  const state = { done: false };
  const running = invalidator
    .apply({ keys: [], tags: [tag], namespaces: [], patterns: [] })
    .finally(() => (state.done = true));
  await waitFor(async () => state.done || (await redis.scard(setKey)) < size, {
    timeoutMs: 60_000,
    intervalMs: 1,
    what: 'tag invalidation under way',
  });
  const late = `${prefix}late`;
  const leftWhenFiled = state.done ? 0 : await redis.scard(setKey);
  await redis.set(late, 'fresh');
  await redis.sadd(setKey, late);
  const counts = await running;
  return {
    survivors: await countExisting(redis, members),
    found: counts.tagMembers,
    leftWhenFiled,
    late: {
      stored: (await redis.exists(late)) === 1,
      filed: (await redis.sismember(setKey, late)) === 1,
    },
  };
}

async function fileMembers(redis: RedisClient, setKey: string, members: string[]): Promise<void> {
  for (let start = 0; start < members.length; start += 5_000) {
    const batch = members.slice(start, start + 5_000);
    await Promise.all(batch.map((key) => redis.set(key, 'stale', 'EX', 600)));
    await redis.sadd(setKey, ...batch);
  }
}

async function countExisting(redis: RedisClient, keys: string[]): Promise<number> {
  let present = 0;
  for (let start = 0; start < keys.length; start += 5_000) {
    const flags = await Promise.all(
      keys.slice(start, start + 5_000).map((key) => redis.exists(key)),
    );
    present += flags.reduce<number>((sum, flag) => sum + flag, 0);
  }
  return present;
}
