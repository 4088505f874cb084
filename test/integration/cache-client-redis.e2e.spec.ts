import { randomUUID } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { Redis } from 'ioredis';
import { keySlot, leaseKeyFor, tagSetKeyFor } from '#cache-keys';
import { CacheClient } from '#cache-client';
import { RedisClientFactory, type RedisClient, type RedisConnectionConfig } from '#redis';
import { RedisInvalidator } from '#redis-invalidation';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { endpoints, waitFor } from '#local-pipeline';

/** A promise the test resolves by hand, to stop a loader mid-flight. */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve: () => void = () => undefined;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

const topologies: [string, RedisConnectionConfig][] = [
  ['standalone Redis', { mode: 'standalone', url: endpoints.redisUrl }],
  ['a three-master Redis Cluster', { mode: 'cluster', nodes: endpoints.redisClusterNodes }],
];

describe.each(topologies)('CacheClient on %s', (_name, config) => {
  const factory = new RedisClientFactory(config);
  let redis: RedisClient;
  let invalidator: RedisInvalidator;

  beforeAll(async () => {
    redis = factory.create();
    invalidator = RedisInvalidator.fromConfig(config);
    await waitFor(() => redis.status === 'ready', { what: 'cache client Redis ready' });
    await invalidator.waitUntilReady();
  });

  afterAll(async () => {
    await invalidator.close();
    await factory.close(redis);
  });

  /** A client with a namespace of its own, so tests never share keys. */
  function newClient(options: ConstructorParameters<typeof CacheClient>[1] = {}) {
    const prefix = `t-${randomUUID()}:`;
    // A generous Redis timeout: these tests are about leases and tags, and on a loaded machine
    // the 50 ms default would send a caller to its loader (a fallback) instead.
    return {
      prefix,
      client: CacheClient.forRedis(redis, { prefix, redisTimeoutMs: 2_000, ...options }),
    };
  }

  /** A tag whose set lives on another node than `key` in the cluster (any tag standalone). */
  function tagAwayFrom(key: string): string {
    for (let i = 0; ; i += 1) {
      const tag = `${key}:tag${i}`;
      if (!('slots' in redis)) return tag;
      if (redis.slots[keySlot(tagSetKeyFor(tag))]?.[0] !== redis.slots[keySlot(key)]?.[0]) {
        return tag;
      }
    }
  }

  it('stores a loaded value with a TTL, then serves it from Redis, bigints intact', async () => {
    const { prefix, client } = newClient({ ttlSeconds: 60 });
    const value = { id: 9007199254740993n, name: 'Big-id Gadget' };
    const load = vi.fn(() => Promise.resolve(value));
    expect(await client.get('product:1', load)).toEqual(value);
    await client.idle();
    const ttl = await redis.pttl(`${prefix}product:1`);
    expect(ttl).toBeGreaterThan(59_000);
    expect(ttl).toBeLessThanOrEqual(66_000);
    expect(await redis.exists(leaseKeyFor(`${prefix}product:1`))).toBe(0);
    expect(await client.get('product:1', load)).toEqual(value);
    expect(load).toHaveBeenCalledTimes(1);
    expect(client.stats()).toMatchObject({ miss: 1, fill: 1, hit: 1 });
  });

  it('rejects the fill of a reader whose key was invalidated between its read and its fill', async () => {
    const { prefix, client } = newClient();
    const key = `${prefix}product:7`;
    const read = deferred();
    const proceed = deferred();
    let row = 'old';
    const reader = client.get('product:7', async () => {
      const seen = row;
      read.resolve();
      await proceed.promise;
      return seen;
    });
    await read.promise;
    expect(await redis.exists(leaseKeyFor(key))).toBe(1);
    row = 'new';
    await invalidator.apply({ keys: [key], tags: [], namespaces: [], patterns: [] });
    proceed.resolve();
    expect(await reader).toBe('old');
    await client.idle();
    expect(await redis.exists(key)).toBe(0);
    expect(client.stats()['fill-rejected']).toBe(1);
    expect(await client.get('product:7', () => Promise.resolve(row))).toBe('new');
  });

  it('files keys under their tags so a tag invalidation removes them, a fill in flight included', async () => {
    const { prefix, client } = newClient({ ttlSeconds: 30 });
    const tag = tagAwayFrom(`${prefix}product:9`).slice(prefix.length);
    await client.get('product:9', () => Promise.resolve('filled'), { tags: [tag] });
    await client.get('category:5:products', () => Promise.resolve(['p9']), { tags: [tag] });
    await client.idle();
    const setKey = tagSetKeyFor(prefix + tag);
    expect((await redis.smembers(setKey)).sort()).toEqual(
      [`${prefix}category:5:products`, `${prefix}product:9`].sort(),
    );
    expect(await redis.pttl(setKey)).toBeGreaterThan(33_000);

    const read = deferred();
    const proceed = deferred();
    const inFlight = client.get(
      'product:10',
      async () => {
        read.resolve();
        await proceed.promise;
        return 'old';
      },
      { tags: [tag] },
    );
    await read.promise;
    const counts = await invalidator.apply({
      keys: [],
      tags: [prefix + tag],
      namespaces: [],
      patterns: [],
    });
    proceed.resolve();
    await inFlight;
    await client.idle();

    expect(counts.tagMembers).toBe(3);
    const keys = ['product:9', 'category:5:products', 'product:10'].map((k) => prefix + k);
    expect(await Promise.all(keys.map((k) => redis.exists(k)))).toEqual([0, 0, 0]);
    expect(client.stats()['fill-rejected']).toBe(1);
  });

  it('never leaves a stored entry unfiled when a late SREM unfiles it during the load', async () => {
    const { prefix, client } = newClient();
    const tag = tagAwayFrom(`${prefix}product:11`).slice(prefix.length);
    const key = `${prefix}product:11`;
    const read = deferred();
    const proceed = deferred();
    const reader = client.get(
      'product:11',
      async () => {
        read.resolve();
        await proceed.promise;
        return 'v';
      },
      { tags: [tag] },
    );
    await read.promise;
    // The tail of an invalidation that unlinked the key just before our lease was taken.
    await redis.srem(tagSetKeyFor(prefix + tag), key);
    proceed.resolve();
    await reader;
    await client.idle();
    const stored = await redis.exists(key);
    const filed = await redis.sismember(tagSetKeyFor(prefix + tag), key);
    expect(stored === 0 || filed === 1).toBe(true);
  });

  /** Calls of one command, summed over every master (INFO commandstats). */
  async function commandCalls(command: string): Promise<number> {
    const nodes = 'nodes' in redis ? redis.nodes('master') : [redis];
    const infos = await Promise.all(nodes.map((node) => node.info('commandstats')));
    return infos
      .map((info) => new RegExp(`^cmdstat_${command}:calls=(\\d+)`, 'm').exec(info)?.[1] ?? '0')
      .reduce((sum, calls) => sum + Number(calls), 0);
  }

  it('invalidates a whole namespace with one INCR and no scan, whatever the family size', async () => {
    const { prefix, client } = newClient({ ttlSeconds: 60, namespaceCacheMs: 0 });
    let version = 'v1';
    const queries = Array.from({ length: 300 }, (_, i) => `q:${i}`);
    const readAll = () =>
      Promise.all(
        queries.map((q) => client.get(q, () => Promise.resolve(version), { namespace: 'search' })),
      );
    expect(new Set(await readAll())).toEqual(new Set(['v1']));
    await client.idle();
    expect(await redis.get(`${prefix}search:g0:q:7`)).toBe('"v1"');
    const [incrBefore, scanBefore] = [await commandCalls('incr'), await commandCalls('scan')];

    version = 'v2';
    const counts = await invalidator.apply({
      keys: [],
      tags: [],
      namespaces: [`${prefix}search`],
      patterns: [],
    });

    expect(counts).toMatchObject({ namespaces: 1, removed: 0 });
    expect((await commandCalls('incr')) - incrBefore).toBe(1);
    expect((await commandCalls('scan')) - scanBefore).toBe(0);
    expect(await redis.get(`__ns:${prefix}search`)).toBe('1');
    expect(await redis.pttl(`__ns:${prefix}search`)).toBe(-1);
    expect(new Set(await readAll())).toEqual(new Set(['v2']));
    await client.idle();
    expect(await redis.get(`${prefix}search:g1:q:7`)).toBe('"v2"');
    // The old generation is unreachable, not deleted: it leaves by its TTL.
    expect(await redis.pttl(`${prefix}search:g0:q:7`)).toBeGreaterThan(0);
  });

  it('serves an old generation from its in-process cache for at most namespaceCacheMs after a bump', async () => {
    const cacheMs = 300;
    const { prefix, client } = newClient({ namespaceCacheMs: cacheMs });
    let version = 'v1';
    const read = () =>
      client.get('q:shoes', () => Promise.resolve(version), { namespace: 'search' });
    expect(await read()).toBe('v1');
    await client.idle();
    version = 'v2';
    await invalidator.apply({ keys: [], tags: [], namespaces: [`${prefix}search`], patterns: [] });
    const bumpedAt = Date.now();
    // Right after the bump the cached generation may still be used (that is the window)...
    expect(['v1', 'v2']).toContain(await read());
    // ...but never once the window has passed, however the reads were timed.
    await new Promise((resolve) =>
      setTimeout(resolve, Math.max(0, bumpedAt + cacheMs + 5 - Date.now())),
    );
    expect(await read()).toBe('v2');
  });

  it('lets N concurrent misses on one key cause one load; the others wait and get the value', async () => {
    const { client } = newClient({ leaseWaitMs: 10_000 });
    const gate = deferred();
    const load = vi.fn(async () => {
      await gate.promise;
      return { n: 42 };
    });
    const reads = Array.from({ length: 25 }, () => client.get('hot', load));
    await waitFor(() => client.stats()['lease-wait'] === 24, { what: '24 callers waiting' });
    gate.resolve();
    expect(await Promise.all(reads)).toEqual(Array(25).fill({ n: 42 }));
    expect(load).toHaveBeenCalledTimes(1);
    expect(client.stats()).toMatchObject({ miss: 1, hit: 24, 'lease-timeout': 0 });
  });
});

describe('CacheClient with Redis down or hanging', () => {
  let blackHole: Server;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    // Accepts connections and never answers: a Redis that is up but hopelessly slow.
    blackHole = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => blackHole.listen(0, '127.0.0.1', resolve));
  });

  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) =>
      blackHole.close(() => {
        resolve();
      }),
    );
  });

  it('falls back to the loader at once when Redis refuses connections', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const address = probe.address();
    await new Promise<void>((resolve) =>
      probe.close(() => {
        resolve();
      }),
    );
    const port = typeof address === 'object' && address !== null ? address.port : 1;
    const factory = new RedisClientFactory({
      mode: 'standalone',
      url: `redis://127.0.0.1:${port}`,
    });
    const redis = factory.create();
    const client = CacheClient.forRedis(redis, { redisTimeoutMs: 50 });
    try {
      const started = performance.now();
      expect(await client.get('k', () => Promise.resolve('from-db'))).toBe('from-db');
      expect(performance.now() - started).toBeLessThan(250);
      expect(client.stats()).toMatchObject({ fallback: 1, hit: 0, miss: 0 });
    } finally {
      await factory.close(redis);
    }
  });

  it('falls back to the loader within the timeout when Redis does not answer', async () => {
    const address = blackHole.address();
    const port = typeof address === 'object' && address !== null ? address.port : 1;
    const redis = new Redis({ host: '127.0.0.1', port, enableReadyCheck: false });
    redis.on('error', () => undefined);
    const client = CacheClient.forRedis(redis, { redisTimeoutMs: 50 });
    try {
      await waitFor(() => sockets.length > 0, { what: 'connection to the black hole' });
      const started = performance.now();
      const values = await Promise.all(
        ['a', 'b', 'c'].map((k) => client.get(k, () => Promise.resolve(k))),
      );
      const elapsed = performance.now() - started;
      expect(values).toEqual(['a', 'b', 'c']);
      expect(elapsed).toBeGreaterThanOrEqual(45);
      expect(elapsed).toBeLessThan(250);
      expect(client.stats()).toMatchObject({ fallback: 3, error: 3 });
    } finally {
      redis.disconnect();
    }
  });
});
