import { describe, expect, it, vi } from 'vitest';
import { leaseKeyFor } from '#cache-keys';
import { CacheClient } from './cache-client.js';
import type { CacheStore } from './cache-store.js';
import { MemoryCacheStore } from './memory-cache-store.js';

/** A promise the test resolves by hand, to stop a loader mid-flight. */
function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve: (value: T) => void = () => undefined;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

function setup(options: ConstructorParameters<typeof CacheClient>[1] = {}) {
  const store = new MemoryCacheStore();
  const client = new CacheClient(store, { random: () => 0, ...options });
  return { store, client };
}

describe('CacheClient', () => {
  it('loads on a miss, stores in the background, and serves the next read from the cache', async () => {
    const { store, client } = setup();
    const load = vi.fn(() => Promise.resolve({ id: 1n << 60n, name: 'x' }));
    expect(await client.get('product:1', load)).toEqual({ id: 1n << 60n, name: 'x' });
    await client.idle();
    expect(store.peek(leaseKeyFor('product:1'))).toBeUndefined();
    expect(await client.get('product:1', load)).toEqual({ id: 1n << 60n, name: 'x' });
    expect(load).toHaveBeenCalledTimes(1);
    expect(client.stats()).toMatchObject({ miss: 1, hit: 1, fill: 1, 'fill-rejected': 0 });
  });

  it('rejects the fill of a reader whose key was invalidated while it loaded (the stale-set race)', async () => {
    const { store, client } = setup();
    let row = 'old';
    const read = deferred<undefined>();
    const reading = deferred<undefined>();
    // Reader: takes the lease, reads the OLD row, then stalls before filling.
    const reader = client.get('product:1', async () => {
      const seen = row;
      read.resolve(undefined);
      await reading.promise;
      return seen;
    });
    await read.promise;
    expect(store.peek(leaseKeyFor('product:1'))).toBeDefined();
    // Writer commits; the invalidator deletes the key with its lease.
    row = 'new';
    store.invalidateKey('product:1');
    reading.resolve(undefined);
    expect(await reader).toBe('old'); // the caller still gets what it read
    await client.idle();
    expect(store.peek('product:1')).toBeUndefined();
    expect(client.stats()['fill-rejected']).toBe(1);
    expect(await client.get('product:1', () => Promise.resolve(row))).toBe('new');
  });

  it('files the key under its tags with the lease, so a tag invalidation voids a fill in flight', async () => {
    const { store, client } = setup({ prefix: 'app:' });
    const reading = deferred<undefined>();
    const reader = client.get(
      'product:1',
      async () => {
        await reading.promise;
        return 'old';
      },
      { tags: ['product:1'] },
    );
    await vi.waitFor(() => {
      expect(store.members('app:product:1')).toEqual(['app:product:1']);
    });
    store.invalidateTag('app:product:1');
    reading.resolve(undefined);
    await reader;
    await client.idle();
    expect(store.peek('app:product:1')).toBeUndefined();
    expect(client.stats()['fill-rejected']).toBe(1);
  });

  it('lets concurrent misses wait on one lease: one load, everyone gets the value', async () => {
    const { client } = setup({ leaseWaitMs: 2000 });
    const gate = deferred<undefined>();
    const load = vi.fn(async () => {
      await gate.promise;
      return 42;
    });
    const reads = Array.from({ length: 10 }, () => client.get('hot', load));
    await vi.waitFor(() => {
      expect(client.stats()['lease-wait']).toBe(9);
    });
    gate.resolve(undefined);
    expect(await Promise.all(reads)).toEqual(Array(10).fill(42));
    expect(load).toHaveBeenCalledTimes(1);
  });

  it('stops waiting after leaseWaitMs and loads without storing', async () => {
    const { store, client } = setup({ leaseWaitMs: 20 });
    await store.lookup({ key: 'k', token: 'other', leaseMs: 60_000, tags: [], tagTtlMs: 1 });
    expect(await client.get('k', () => Promise.resolve('v'))).toBe('v');
    await client.idle();
    expect(store.peek('k')).toBeUndefined();
    expect(client.stats()).toMatchObject({ 'lease-wait': 1, 'lease-timeout': 1, fill: 0 });
  });

  it('gives the lease back when the loader fails, and passes the error on', async () => {
    const { store, client } = setup();
    await expect(client.get('k', () => Promise.reject(new Error('db down')))).rejects.toThrow(
      'db down',
    );
    await client.idle();
    expect(store.peek(leaseKeyFor('k'))).toBeUndefined();
  });

  it('falls back to the loader within the timeout when Redis hangs, and counts it', async () => {
    const hanging: CacheStore = {
      lookup: () => new Promise(() => undefined),
      fill: () => Promise.reject(new Error('unused')),
      generation: () => Promise.resolve(0),
      release: () => Promise.resolve(),
      close: () => Promise.resolve(),
    };
    const client = new CacheClient(hanging, { redisTimeoutMs: 20 });
    const started = Date.now();
    expect(await client.get('k', () => Promise.resolve('v'))).toBe('v');
    expect(Date.now() - started).toBeLessThan(500);
    expect(client.stats()).toMatchObject({ fallback: 1, error: 1 });
  });

  it('counts a failing fill as an error without rejecting anywhere', async () => {
    const failing: CacheStore = {
      lookup: () => Promise.resolve({ kind: 'leased' }),
      fill: () => Promise.reject(new Error('READONLY')),
      generation: () => Promise.resolve(0),
      release: () => Promise.resolve(),
      close: () => Promise.resolve(),
    };
    const client = new CacheClient(failing);
    expect(await client.get('k', () => Promise.resolve(1))).toBe(1);
    await client.idle();
    expect(client.stats()).toMatchObject({ error: 1, fill: 0 });
  });

  it('stores with TTL plus jitter and forwards events to an extra sink', async () => {
    const store = new MemoryCacheStore();
    const fill = vi.spyOn(store, 'fill');
    const sink = { increment: vi.fn() };
    const client = new CacheClient(store, { random: () => 0.5, jitterRatio: 0.2, counters: sink });
    await client.get('k', () => Promise.resolve('v'), { ttlSeconds: 10 });
    await client.idle();
    expect(fill.mock.calls[0]?.[0]).toMatchObject({
      ttlMs: 11_000,
      tagTtlMs: 12_000 + 2000 + 1000,
    });
    expect(sink.increment.mock.calls.map(([event]) => event as string)).toEqual(['miss', 'fill']);
  });

  it('rejects unusable options, naming them', () => {
    expect(() => new CacheClient(new MemoryCacheStore(), { leaseMs: 0 })).toThrow(/leaseMs/);
    expect(() => new CacheClient(new MemoryCacheStore(), { jitterRatio: 2 })).toThrow(
      /jitterRatio/,
    );
    expect(() => new CacheClient(new MemoryCacheStore(), { namespaceCacheMs: -1 })).toThrow(
      /namespaceCacheMs/,
    );
  });
});

describe('CacheClient with namespaces', () => {
  it('stores <prefix><namespace>:g<generation>:<key>, and a bump makes the family unreachable', async () => {
    const { store, client } = setup({ prefix: 'shop:', namespaceCacheMs: 0 });
    let version = 'v1';
    const load = vi.fn(() => Promise.resolve(version));
    expect(await client.get('q:shoes', load, { namespace: 'search' })).toBe('v1');
    await client.idle();
    expect(store.peek('shop:search:g0:q:shoes')).toBe('"v1"');
    expect(await client.get('q:shoes', load, { namespace: 'search' })).toBe('v1');
    expect(load).toHaveBeenCalledTimes(1);

    version = 'v2';
    store.bumpNamespace('shop:search');
    expect(await client.get('q:shoes', load, { namespace: 'search' })).toBe('v2');
    await client.idle();
    expect(store.peek('shop:search:g1:q:shoes')).toBe('"v2"');
    expect(load).toHaveBeenCalledTimes(2);
  });

  it('keeps namespaces apart from each other and from keys without one', async () => {
    const { store, client } = setup({ namespaceCacheMs: 0 });
    await client.get('k', () => Promise.resolve('plain'));
    await client.get('k', () => Promise.resolve('in-a'), { namespace: 'a' });
    await client.get('k', () => Promise.resolve('in-b'), { namespace: 'b' });
    await client.idle();
    store.bumpNamespace('a');
    expect(await client.get('k', () => Promise.resolve('x'))).toBe('plain');
    expect(await client.get('k', () => Promise.resolve('x'), { namespace: 'b' })).toBe('in-b');
    expect(await client.get('k', () => Promise.resolve('a-again'), { namespace: 'a' })).toBe(
      'a-again',
    );
  });

  it('loads without the cache when the generation cannot be read', async () => {
    const store = new MemoryCacheStore();
    vi.spyOn(store, 'generation').mockRejectedValue(new Error('ECONNREFUSED'));
    const lookup = vi.spyOn(store, 'lookup');
    const client = new CacheClient(store);
    expect(await client.get('k', () => Promise.resolve('db'), { namespace: 'n' })).toBe('db');
    expect(lookup).not.toHaveBeenCalled();
    expect(client.stats()).toMatchObject({ error: 1, fallback: 1 });
  });

  it('reuses a generation for namespaceCacheMs, then reads it again', async () => {
    const store = new MemoryCacheStore();
    const generation = vi.spyOn(store, 'generation');
    const client = new CacheClient(store, { namespaceCacheMs: 60_000 });
    for (let i = 0; i < 5; i++) await client.get('k', () => Promise.resolve(i), { namespace: 'n' });
    expect(generation).toHaveBeenCalledTimes(1);
    const strict = new CacheClient(store, { namespaceCacheMs: 0 });
    for (let i = 0; i < 5; i++) await strict.get('k', () => Promise.resolve(i), { namespace: 'n' });
    expect(generation).toHaveBeenCalledTimes(6);
  });
});
