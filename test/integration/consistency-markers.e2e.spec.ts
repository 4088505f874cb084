import { randomUUID } from 'node:crypto';
import { keySlot, leaseKeyFor, markerKeyFor } from '#cache-keys';
import { CacheClient } from '#cache-client';
import { RedisClientFactory, type RedisClient, type RedisConnectionConfig } from '#redis';
import { RedisInvalidator } from '#redis-invalidation';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { endpoints, waitFor } from '#local-pipeline';

const topologies: [string, RedisConnectionConfig][] = [
  ['standalone Redis', { mode: 'standalone', url: endpoints.redisUrl }],
  ['a three-master Redis Cluster', { mode: 'cluster', nodes: endpoints.redisClusterNodes }],
];

interface Row {
  readonly price: string;
  readonly version: string;
}

describe.each(topologies)('invalidation markers on %s', (_name, config) => {
  const factory = new RedisClientFactory(config);
  let redis: RedisClient;
  let invalidator: RedisInvalidator;
  let unmarked: RedisInvalidator;

  beforeAll(async () => {
    redis = factory.create();
    invalidator = RedisInvalidator.fromConfig(config, { markers: { ttlMs: 5_000 } });
    unmarked = RedisInvalidator.fromConfig(config, { markers: { enabled: false } });
    await waitFor(() => redis.status === 'ready', { what: 'marker test Redis ready' });
    await invalidator.waitUntilReady();
    await unmarked.waitUntilReady();
  });

  afterAll(async () => {
    await invalidator.close();
    await unmarked.close();
    await factory.close(redis);
  });

  const newClient = (prefix: string) =>
    CacheClient.forRedis(redis, { prefix, redisTimeoutMs: 2_000 });
  const byVersion = { version: (row: Row) => row.version };

  it('deletes versioned keys with their leases, leaves markers with the version and a bounded TTL', async () => {
    const prefix = `t-${randomUUID()}:`;
    const keys = Array.from({ length: 600 }, (_, i) => `${prefix}product:${i}`);
    await Promise.all(keys.map((key) => redis.set(key, 'v'))); // MSET would be CROSSSLOT
    await redis.set(leaseKeyFor(keys[0] ?? ''), 'token');
    const versions = keys.map((key, i) => ({
      key,
      version: String(9007199254740990n + BigInt(i)),
    }));
    const counts = await invalidator.apply({
      keys,
      tags: [],
      namespaces: [],
      patterns: [],
      versions,
    });
    expect(counts).toMatchObject({ keys: 600, removed: 601 });
    const [left, markers] = await Promise.all([
      Promise.all(keys.map((key) => redis.exists(key))),
      Promise.all(keys.map((key) => redis.get(markerKeyFor(key)))),
    ]);
    expect(left.every((n) => n === 0)).toBe(true);
    expect(markers).toEqual(versions.map((v) => v.version));
    const ttl = await redis.pttl(markerKeyFor(keys[0] ?? ''));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(5_000);
    if ('slots' in redis) expect(new Set(keys.map(keySlot)).size).toBeGreaterThan(100);
  });

  it('never moves a marker back to an older version (exactly, beyond 2^53)', async () => {
    const key = `t-${randomUUID()}:product:1`;
    const apply = (version: string) =>
      invalidator.apply({
        keys: [key],
        tags: [],
        namespaces: [],
        patterns: [],
        versions: [{ key, version }],
      });
    await apply('9007199254740993');
    await apply('9007199254740992');
    expect(await redis.get(markerKeyFor(key))).toBe('9007199254740993');
    await apply('10000000000000000');
    expect(await redis.get(markerKeyFor(key))).toBe('10000000000000000');
  });

  it('refuses the lagging-replica fill that a fresh lease cannot see, then accepts the caught-up one', async () => {
    const prefix = `t-${randomUUID()}:`;
    const key = `${prefix}product:7`;
    const client = newClient(prefix);
    // The change to version 8 is committed and invalidated BEFORE the reader's lease...
    await invalidator.apply({
      keys: [key],
      tags: [],
      namespaces: [],
      patterns: [],
      versions: [{ key, version: '8' }],
    });
    // ...and the reader's replica has not replayed it yet.
    const stale: Row = { price: 'old', version: '7' };
    expect(await client.get('product:7', () => Promise.resolve(stale), byVersion)).toEqual(stale);
    await client.idle();
    expect(await redis.exists(key)).toBe(0);
    expect(await redis.exists(leaseKeyFor(key))).toBe(0);
    expect(client.stats()).toMatchObject({ 'fill-refused': 1, fill: 0 });
    const fresh: Row = { price: 'new', version: '8' };
    await client.get('product:7', () => Promise.resolve(fresh), byVersion);
    await client.idle();
    expect(await redis.get(key)).toBe('#1;8;{"price":"new","version":"8"}');
    expect(await client.get('product:7', () => Promise.reject(new Error('hit expected')))).toEqual(
      fresh,
    );
  });

  it('without markers the same race stores the stale entry (what the checker must catch)', async () => {
    const prefix = `t-${randomUUID()}:`;
    const key = `${prefix}product:7`;
    const client = newClient(prefix);
    await unmarked.apply({
      keys: [key],
      tags: [],
      namespaces: [],
      patterns: [],
      versions: [{ key, version: '8' }],
    });
    expect(await redis.exists(markerKeyFor(key))).toBe(0);
    await client.get('product:7', () => Promise.resolve({ price: 'old', version: '7' }), byVersion);
    await client.idle();
    expect(await redis.get(key)).toBe('#1;7;{"price":"old","version":"7"}');
  });

  it('costs one small string per marked key', async () => {
    const key = `t-${randomUUID()}:product:1`;
    await invalidator.apply({
      keys: [key],
      tags: [],
      namespaces: [],
      patterns: [],
      versions: [{ key, version: '1764681600123456' }],
    });
    const bytes = await redis.memory('USAGE', markerKeyFor(key));
    expect(bytes).toBeGreaterThan(0);
    expect(bytes).toBeLessThan(200);
  });
});
