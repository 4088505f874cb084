import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { KeySampler } from './key-sampler.js';
import type { Clock } from './scan-rate-limiter.js';

/** A standalone server answering SCAN in pages of `pageSize` and TTL from a table; no KEYS. */
function fakeRedis(keys: Record<string, number>, pageSize: number) {
  const names = Object.keys(keys);
  const commands: string[] = [];
  const server = {
    status: 'ready',
    scan: (cursor: string, ...args: (string | number)[]) => {
      commands.push(`SCAN ${cursor} ${args.join(' ')}`);
      const start = Number(cursor);
      const next = start + pageSize >= names.length ? '0' : String(start + pageSize);
      return Promise.resolve([next, names.slice(start, start + pageSize)]);
    },
    pipeline: () => {
      const queued: string[] = [];
      const pipeline = {
        ttl: (key: string) => {
          queued.push(key);
          return pipeline;
        },
        exec: () => Promise.resolve(queued.map((key) => [null, keys[key] ?? -2])),
      };
      return pipeline;
    },
  };
  return { client: server as unknown as Redis, commands };
}

function fakeClock(): Clock & { sleeps: number[] } {
  let now = 0;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    sleep: (ms) => {
      sleeps.push(ms);
      now += ms;
      return Promise.resolve();
    },
  };
}

describe('KeySampler', () => {
  it('samples with paced SCANs, skips internal keys and keys gone since, and reads TTLs', async () => {
    const { client, commands } = fakeRedis(
      {
        'product:1': 60,
        '__lease:{product:1}:product:1': 5,
        '__tag:product:1': -1,
        'product:2': -1,
        'gone:3': -2,
        'session:4': 10,
      },
      2,
    );
    const clock = fakeClock();
    const sampler = new KeySampler(client, { scanCount: 2, maxScannedKeysPerSecond: 4, clock });
    expect(await sampler.sample({ limit: 10, match: '*' })).toEqual([
      { key: 'product:1', ttlSeconds: 60 },
      { key: 'product:2', ttlSeconds: null },
      { key: 'session:4', ttlSeconds: 10 },
    ]);
    expect(commands).toEqual([
      'SCAN 0 MATCH * COUNT 2',
      'SCAN 2 MATCH * COUNT 2',
      'SCAN 4 MATCH * COUNT 2',
    ]);
    // 2 keys per page at 4 keys per second: half a second per page.
    expect(clock.sleeps).toEqual([500, 500, 500]);
  });

  it('stops scanning once the sample is full', async () => {
    const keys = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`k:${i}`, -1]));
    const { client, commands } = fakeRedis(keys, 10);
    const sampled = await new KeySampler(client, { maxScannedKeysPerSecond: Infinity }).sample({
      limit: 25,
    });
    expect(sampled.map((s) => s.key)).toEqual(Object.keys(keys).slice(0, 25));
    expect(commands).toHaveLength(3);
  });
});
