import { describe, expect, it } from 'vitest';
import { markerKeyFor } from '#cache-keys';
import { CacheClient } from './cache-client.js';
import { MemoryCacheStore } from './memory-cache-store.js';

interface Row {
  readonly price: string;
  readonly version: bigint;
}

function setup() {
  const store = new MemoryCacheStore();
  const client = new CacheClient(store, { random: () => 0 });
  return { store, client };
}

const byVersion = { version: (row: Row) => row.version };

describe('CacheClient with versions', () => {
  it('stores the version in the entry envelope and reads the value back', async () => {
    const { store, client } = setup();
    await client.get('p:1', () => Promise.resolve({ price: '1', version: 7n }), byVersion);
    await client.idle();
    expect(store.peek('p:1')).toBe('#1;7;{"price":"1","version":{"$bigint":"7"}}');
    expect(await client.get('p:1', () => Promise.reject(new Error('no load')))).toEqual({
      price: '1',
      version: 7n,
    });
  });

  it('refuses a fill from a lagging replica: the lease is fresh but the marker is newer', async () => {
    const { store, client } = setup();
    // The invalidator deleted p:1 for the change to version 8; the replica still has version 7.
    store.invalidateKey('p:1', '8');
    const replica: Row = { price: 'old', version: 7n };
    expect(await client.get('p:1', () => Promise.resolve(replica), byVersion)).toEqual(replica);
    await client.idle();
    expect(store.peek('p:1')).toBeUndefined();
    expect(client.stats()).toMatchObject({ fill: 0, 'fill-refused': 1, 'fill-rejected': 0 });
    // The lease was given back: the next reader loads (now caught up) and stores.
    await client.get('p:1', () => Promise.resolve({ price: 'new', version: 8n }), byVersion);
    await client.idle();
    expect(store.peek('p:1')).toMatch(/^#1;8;/);
  });

  it('compares versions exactly beyond 2^53 (no float rounding)', async () => {
    const { store, client } = setup();
    store.invalidateKey('p:1', '9007199254740993');
    const older = { price: 'x', version: 9007199254740992n };
    await client.get('p:1', () => Promise.resolve(older), byVersion);
    await client.idle();
    expect(client.stats()['fill-refused']).toBe(1);
  });

  it('keeps unversioned use unchanged: bare payload, markers ignored', async () => {
    const { store, client } = setup();
    store.invalidateKey('p:1', '8');
    await client.get('p:1', () => Promise.resolve({ price: '1' }));
    await client.idle();
    expect(store.peek('p:1')).toBe('{"price":"1"}');
    expect(store.peek(markerKeyFor('p:1'))).toBe('8');
  });

  it('never moves a marker backwards', () => {
    const { store } = setup();
    store.invalidateKey('p:1', '10');
    store.invalidateKey('p:1', '9');
    expect(store.peek(markerKeyFor('p:1'))).toBe('10');
  });

  it('does not store when the version callback reports something that is not a version', async () => {
    const { store, client } = setup();
    const value = await client.get('p:1', () => Promise.resolve({ v: 1.5 }), {
      version: (row) => row.v,
    });
    expect(value).toEqual({ v: 1.5 });
    await client.idle();
    expect(store.peek('p:1')).toBeUndefined();
    expect(client.stats()).toMatchObject({ error: 1, fill: 0 });
  });
});
