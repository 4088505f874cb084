import { randomUUID } from 'node:crypto';
import { keySlot, leaseKeyFor, tagSetKeyFor } from '#cache-keys';
import {
  type RedisClient,
  RedisClientFactory,
  RedisUnavailableError,
  RedisWrongTypeError,
} from '#redis';
import { KeyDeleter, RedisInvalidator, TagInvalidator } from '#redis-invalidation';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { endpoints, waitFor } from '#local-pipeline';
import { invalidateLargeTagWithLateMember } from '../support/large-tag.js';

const config = { mode: 'cluster', nodes: endpoints.redisClusterNodes } as const;
const factory = new RedisClientFactory(config);
type ClusterClient = Extract<RedisClient, { nodes: unknown }>;
let cluster: ClusterClient;
let invalidator: RedisInvalidator;

function masters(): ReturnType<ClusterClient['nodes']> {
  return cluster.nodes('master');
}

/** `host:port` of the master serving `key`, from the client's slot map. */
function nodeOf(key: string): string {
  return cluster.slots[keySlot(key)]?.[0] ?? 'unknown';
}

/** Total calls of one command over every master, from INFO commandstats. */
async function calls(command: string): Promise<number[]> {
  return Promise.all(
    masters().map(async (node) => {
      const info = await node.info('commandstats');
      return Number(new RegExp(`^cmdstat_${command}:calls=(\\d+)`, 'm').exec(info)?.[1] ?? 0);
    }),
  );
}

// One command per key: keys live in different slots, and multi-key commands would fail CROSSSLOT.
async function existing(keys: readonly string[]): Promise<string[]> {
  const flags = await Promise.all(keys.map((key) => cluster.exists(key)));
  return keys.filter((_, i) => flags[i] === 1);
}

async function setAll(keys: readonly string[]): Promise<void> {
  await Promise.all(keys.map((key) => cluster.set(key, 'v')));
}

beforeAll(async () => {
  cluster = factory.create() as ClusterClient;
  invalidator = RedisInvalidator.fromConfig(config);
  await waitFor(() => cluster.status === 'ready', { what: 'cluster client ready' });
  await invalidator.waitUntilReady();
  expect(masters()).toHaveLength(3);
});

afterAll(async () => {
  await invalidator.close();
  await factory.close(cluster);
});

describe('RedisInvalidator on a three-master Redis Cluster', () => {
  it('unlinks many keys across slots and nodes, leases included', async () => {
    const prefix = `t-${randomUUID()}:`;
    const keys = Array.from({ length: 1500 }, (_, i) => `${prefix}product:${i}`);
    const tagged = Array.from({ length: 50 }, (_, i) => `${prefix}{cat:1}:page:${i}`);
    const all = [...keys, ...tagged];
    expect(new Set(all.map(nodeOf)).size).toBe(3);
    await setAll([...all, `${prefix}keep`]);
    const leases = [keys[0], keys[700], tagged[3]].map((k) => leaseKeyFor(k ?? ''));
    await setAll(leases);

    const counts = await invalidator.apply({ keys: all, tags: [], namespaces: [], patterns: [] });

    expect(counts).toMatchObject({ keys: 1550, removed: 1553 });
    expect(await existing([...all, ...leases])).toEqual([]);
    expect(await cluster.get(`${prefix}keep`)).toBe('v');
  });

  it('invalidates a tag whose members live on every master, and removes the set', async () => {
    const prefix = `t-${randomUUID()}:`;
    const members = Array.from({ length: 700 }, (_, i) => `${prefix}item:${i}`);
    expect(new Set(members.map(nodeOf)).size).toBe(3);
    const other = `${prefix}other`;
    await setAll([...members, other]);
    await cluster.sadd(tagSetKeyFor(`${prefix}t`), ...members);
    await cluster.sadd(tagSetKeyFor(`${prefix}u`), other);
    await setAll([leaseKeyFor(members[9] ?? ''), leaseKeyFor(other)]);

    const counts = await invalidator.apply({
      keys: [],
      tags: [`${prefix}t`],
      namespaces: [],
      patterns: [],
    });

    expect(counts.tags).toBe(1);
    expect(counts.tagMembers).toBeGreaterThanOrEqual(700); // SSCAN may repeat a member
    expect(counts.removed).toBe(701);
    expect(await existing([...members, leaseKeyFor(members[9] ?? '')])).toEqual([]);
    expect(await cluster.exists(tagSetKeyFor(`${prefix}t`))).toBe(0);
    expect(await existing([other, leaseKeyFor(other), tagSetKeyFor(`${prefix}u`)])).toHaveLength(3);
  });

  it('tag order: a failed step loses nothing on retry, and a member filed meanwhile stays', async () => {
    const prefix = `t-${randomUUID()}:`;
    const tagKey = tagSetKeyFor(`${prefix}t`);
    const members = Array.from({ length: 40 }, (_, i) => `${prefix}m:${i}`);
    const late = `${prefix}filled-during-invalidation`;
    await setAll(members);
    await cluster.sadd(tagKey, ...members);
    let unlinks = 0;
    // Fails the first UNLINK; on the retry, files a new member right after the members are gone.
    class FlakyDeleter extends KeyDeleter {
      override async unlink(keys: Iterable<string>, withLeases?: boolean) {
        unlinks += 1;
        if (unlinks === 1) throw new RedisUnavailableError('injected failure');
        const result = await super.unlink(keys, withLeases);
        await cluster.set(late, 'v');
        await cluster.sadd(tagKey, late);
        return result;
      }
    }
    const tags = new TagInvalidator(cluster, new FlakyDeleter(cluster));

    await expect(tags.invalidate([`${prefix}t`])).rejects.toMatchObject({ retriable: true });
    expect(await existing(members)).toHaveLength(40);
    expect(await cluster.scard(tagKey)).toBe(40);

    await tags.invalidate([`${prefix}t`]);
    expect(await existing(members)).toEqual([]);
    expect(await cluster.smembers(tagKey)).toEqual([late]);
    expect(await cluster.get(late)).toBe('v');
  });

  it('takes a 100,000-member tag apart in bounded steps and loses no member filed meanwhile', async () => {
    const outcome = await invalidateLargeTagWithLateMember(
      cluster,
      invalidator,
      `t-${randomUUID()}:`,
      100_000,
    );

    expect(outcome.survivors).toBe(0);
    expect(outcome.found).toBeGreaterThanOrEqual(100_000);
    // The late member was filed while the invalidation was still running...
    expect(outcome.leftWhenFiled).toBeGreaterThan(0);
    // ...and is either invalidated now or still filed for the next one, never unfiled while stored.
    expect(outcome.late.stored ? outcome.late.filed : true).toBe(true);
  }, 300_000);

  it('reports WRONGTYPE on a tag key as non-retriable, naming the key', async () => {
    const key = tagSetKeyFor(`t-${randomUUID()}:t`);
    await cluster.set(key, 'not a set');

    const error = await invalidator
      .apply({ keys: [], tags: [key.slice('__tag:'.length)], namespaces: [], patterns: [] })
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(RedisWrongTypeError);
    expect(error).toMatchObject({ retriable: false, key });
  });

  it('sweeps a pattern on every master with SCAN, deleting exactly the matches', async () => {
    const prefix = `t-${randomUUID()}:`;
    const matching = Array.from({ length: 600 }, (_, i) => `${prefix}list:cat:${i}`);
    expect(new Set(matching.map(nodeOf)).size).toBe(3);
    const notMatching = Array.from({ length: 60 }, (_, i) => `${prefix}list:dog:${i}`);
    await setAll([...matching, ...notMatching]);
    const pendingLease = leaseKeyFor(`${prefix}list:cat:unfilled`);
    await setAll([pendingLease, leaseKeyFor(notMatching[0] ?? '')]);
    const keysBefore = await calls('keys');
    const scansBefore = await calls('scan');

    const counts = await invalidator.apply({
      keys: [],
      tags: [],
      namespaces: [],
      patterns: [`${prefix}list:cat:*`],
    });

    expect(counts).toMatchObject({ patterns: 1, patternMatches: 600, removed: 601 });
    expect(await existing([...matching, pendingLease])).toEqual([]);
    expect(await existing([...notMatching, leaseKeyFor(notMatching[0] ?? '')])).toHaveLength(61);
    expect(await calls('keys')).toEqual(keysBefore);
    const scansAfter = await calls('scan');
    for (const [i, after] of scansAfter.entries())
      expect(after).toBeGreaterThan(scansBefore[i] ?? 0);
  });

  it('is idempotent: the same plan twice succeeds and removes nothing the second time', async () => {
    const prefix = `t-${randomUUID()}:`;
    const keys = Array.from({ length: 30 }, (_, i) => `${prefix}k:${i}`);
    await setAll([...keys, `${prefix}p:1`, `${prefix}m`]);
    await cluster.sadd(tagSetKeyFor(`${prefix}t`), `${prefix}m`);
    const plan = { keys, tags: [`${prefix}t`], namespaces: [], patterns: [`${prefix}p:*`] };

    const first = await invalidator.apply(plan);
    const second = await invalidator.apply(plan);

    expect(first.removed).toBe(32);
    expect(second).toMatchObject({ keys: 30, tagMembers: 0, patternMatches: 0, removed: 0 });
  });

  it('fails with a retriable error when no cluster node is reachable', async () => {
    const down = RedisInvalidator.fromConfig({
      mode: 'cluster',
      nodes: [{ host: '127.0.0.1', port: 1 }],
    });
    try {
      const error = await down
        .apply({ keys: ['k'], tags: [], namespaces: [], patterns: [] })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RedisUnavailableError);
      expect(error).toMatchObject({ retriable: true });
    } finally {
      await down.close();
    }
  });
});
