import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { LEASE_KEY_LUA, leaseKeyFor, tagSetKeyFor } from '#cache-keys';
import {
  type RedisClient,
  RedisClientFactory,
  RedisUnavailableError,
  RedisWrongTypeError,
} from '#redis';
import { RedisInvalidator } from '#redis-invalidation';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { endpoints, waitFor } from '#local-pipeline';
import { invalidateLargeTagWithLateMember } from '../support/large-tag.js';

const config = { mode: 'standalone', url: endpoints.redisUrl } as const;
let redis: RedisClient;
let invalidator: RedisInvalidator;

/** Calls of one command since the server started, from INFO commandstats. */
async function calls(command: string): Promise<number> {
  const info = await redis.info('commandstats');
  const match = new RegExp(`^cmdstat_${command}:calls=(\\d+)`, 'm').exec(info);
  return Number(match?.[1] ?? 0);
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

async function existing(keys: readonly string[]): Promise<string[]> {
  const flags = await Promise.all(keys.map((key) => redis.exists(key)));
  return keys.filter((_, i) => flags[i] === 1);
}

/** A port nothing listens on: bound by us, then released. */
async function unusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

beforeAll(async () => {
  redis = new RedisClientFactory(config).create();
  invalidator = RedisInvalidator.fromConfig(config);
  await waitFor(() => redis.status === 'ready', { what: 'test client ready' });
  await invalidator.waitUntilReady();
});

afterAll(async () => {
  await invalidator.close();
  await new RedisClientFactory(config).close(redis);
});

describe('RedisInvalidator on standalone Redis', () => {
  it('unlinks many keys with their leases and leaves other keys alone', async () => {
    const prefix = `t-${randomUUID()}:`;
    const keys = Array.from({ length: 600 }, (_, i) => `${prefix}product:${i}`);
    const bystander = `${prefix}keep`;
    await redis.mset(Object.fromEntries([...keys, bystander].map((k) => [k, 'v'])));
    await redis.set(leaseKeyFor(keys[0] ?? ''), 'token');
    await redis.set(leaseKeyFor(`${prefix}product:never-filled`), 'token');

    const counts = await invalidator.apply({
      keys: [...keys, keys[1] ?? '', `${prefix}product:never-filled`],
      tags: [],
      namespaces: [],
      patterns: [],
    });

    expect(counts).toMatchObject({ keys: 601, removed: 602 });
    expect(await existing([...keys, ...keys.map(leaseKeyFor)])).toEqual([]);
    expect(await existing([leaseKeyFor(`${prefix}product:never-filled`)])).toEqual([]);
    expect(await redis.get(bystander)).toBe('v');
  });

  it('is idempotent: the same plan twice succeeds and removes nothing the second time', async () => {
    const prefix = `t-${randomUUID()}:`;
    await redis.set(`${prefix}a`, '1');
    await redis.sadd(tagSetKeyFor(`${prefix}tag`), `${prefix}b`);
    await redis.set(`${prefix}b`, '1');
    await redis.set(`${prefix}c:1`, '1');
    const plan = {
      keys: [`${prefix}a`],
      tags: [`${prefix}tag`],
      namespaces: [],
      patterns: [`${prefix}c:*`],
    };

    const first = await invalidator.apply(plan);
    const second = await invalidator.apply(plan);

    expect(first.removed).toBe(3);
    expect(second).toMatchObject({
      keys: 1,
      tags: 1,
      tagMembers: 0,
      patternMatches: 0,
      removed: 0,
    });
  });

  it('invalidates a tag: members, their leases and the set', async () => {
    const prefix = `t-${randomUUID()}:`;
    const members = Array.from({ length: 300 }, (_, i) => `${prefix}cat:7:item:${i}`);
    const other = `${prefix}cat:8:item:1`;
    await redis.mset(Object.fromEntries([...members, other].map((k) => [k, 'v'])));
    await redis.sadd(tagSetKeyFor(`${prefix}cat:7`), ...members);
    await redis.sadd(tagSetKeyFor(`${prefix}cat:8`), other);
    await redis.set(leaseKeyFor(members[5] ?? ''), 'token');
    await redis.set(leaseKeyFor(other), 'token');

    const counts = await invalidator.apply({
      keys: [],
      tags: [`${prefix}cat:7`],
      namespaces: [],
      patterns: [],
    });

    expect(counts).toMatchObject({ tags: 1, tagMembers: 300, removed: 301 });
    expect(await existing([...members, leaseKeyFor(members[5] ?? '')])).toEqual([]);
    expect(await redis.exists(tagSetKeyFor(`${prefix}cat:7`))).toBe(0);
    expect(
      await existing([other, leaseKeyFor(other), tagSetKeyFor(`${prefix}cat:8`)]),
    ).toHaveLength(3);
  });

  it('takes many small tags a few script calls at a time, and a large one among them in steps', async () => {
    const prefix = `t-${randomUUID()}:`;
    const small = Array.from({ length: 400 }, (_, t) => ({
      tag: `${prefix}product:${t}`,
      members: [0, 1, 2].map((i) => `${prefix}product:${t}:page:${i}`),
    }));
    const large = { tag: `${prefix}big`, members: range(1_000).map((i) => `${prefix}big:${i}`) };
    const all = [...small, large];
    const keys = all.flatMap(({ members }) => members);
    await redis.mset(Object.fromEntries(keys.map((k) => [k, 'v'])));
    for (const { tag, members } of all) await redis.sadd(tagSetKeyFor(tag), ...members);
    const bystander = `${prefix}keep`;
    await redis.set(bystander, 'v');
    const scriptsBefore = (await calls('evalsha')) + (await calls('eval'));

    const counts = await invalidator.apply({
      keys: [],
      tags: all.map(({ tag }) => tag),
      namespaces: [],
      patterns: [],
    });

    const scripts = (await calls('evalsha')) + (await calls('eval')) - scriptsBefore;
    expect(counts).toMatchObject({ tags: 401, tagMembers: 2_200, removed: 2_200 });
    expect(await existing(keys)).toEqual([]);
    expect(await existing(all.map(({ tag }) => tagSetKeyFor(tag)))).toEqual([]);
    expect(await existing([bystander])).toEqual([bystander]);
    // About one call per 50 members (2,200 here), not one per tag (401).
    expect(scripts).toBeLessThan(100);
  });

  it('names the tag set that is not a SET even among other tags of the same step', async () => {
    const prefix = `t-${randomUUID()}:`;
    await redis.sadd(tagSetKeyFor(`${prefix}a`), `${prefix}k`);
    await redis.set(`${prefix}k`, 'v');
    await redis.set(tagSetKeyFor(`${prefix}b`), 'not a set');

    const error = await invalidator
      .apply({ keys: [], tags: [`${prefix}a`, `${prefix}b`], namespaces: [], patterns: [] })
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(RedisWrongTypeError);
    expect(error).toMatchObject({ retriable: false, key: tagSetKeyFor(`${prefix}b`) });
  });

  it('reloads the tag script after SCRIPT FLUSH (NOSCRIPT handled inside)', async () => {
    const prefix = `t-${randomUUID()}:`;
    await redis.sadd(tagSetKeyFor(`${prefix}t`), `${prefix}k`);
    await redis.set(`${prefix}k`, 'v');
    await redis.script('FLUSH');

    await invalidator.apply({ keys: [], tags: [`${prefix}t`], namespaces: [], patterns: [] });

    expect(await existing([`${prefix}k`, tagSetKeyFor(`${prefix}t`)])).toEqual([]);
  });

  it('takes a 100,000-member tag apart in bounded steps and loses no member filed meanwhile', async () => {
    const outcome = await invalidateLargeTagWithLateMember(
      redis,
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
    const prefix = `t-${randomUUID()}:`;
    await redis.set(tagSetKeyFor(`${prefix}t`), 'not a set');

    const error = await invalidator
      .apply({ keys: [], tags: [`${prefix}t`], namespaces: [], patterns: [] })
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(RedisWrongTypeError);
    expect(error).toMatchObject({ retriable: false, key: tagSetKeyFor(`${prefix}t`) });
  });

  it('sweeps a pattern with SCAN (never KEYS), deleting exactly the matches and their leases', async () => {
    const prefix = `t-${randomUUID()}:`;
    const matching = Array.from({ length: 450 }, (_, i) => `${prefix}list:cat:${i}`);
    const notMatching = [`${prefix}list:dog:1`, `${prefix}xlist:cat:1`, `${prefix}list:ca`];
    await redis.mset(Object.fromEntries([...matching, ...notMatching].map((k) => [k, 'v'])));
    const pendingLease = leaseKeyFor(`${prefix}list:cat:not-filled-yet`);
    await redis.set(pendingLease, 'token');
    await redis.set(leaseKeyFor(notMatching[0] ?? ''), 'token');
    const keysBefore = await calls('keys');
    const scansBefore = await calls('scan');

    const counts = await invalidator.apply({
      keys: [],
      tags: [],
      namespaces: [],
      patterns: [`${prefix}list:cat:*`],
    });

    expect(counts).toMatchObject({ patterns: 1, patternMatches: 450, removed: 451 });
    expect(await existing([...matching, pendingLease])).toEqual([]);
    expect(await existing([...notMatching, leaseKeyFor(notMatching[0] ?? '')])).toHaveLength(4);
    expect(await calls('keys')).toBe(keysBefore);
    expect(await calls('scan')).toBeGreaterThan(scansBefore);
  });

  it('computes lease keys in Lua exactly as in TypeScript', async () => {
    const script = `${LEASE_KEY_LUA}\nlocal out = {}\nfor i, key in ipairs(ARGV) do out[i] = lease_key_for(key) end\nreturn out`;
    const samples = [
      ...fc.sample(fc.string({ unit: fc.constantFrom('{', '}', 'a', ':', 'é', '😀') }), 200),
      ...fc.sample(fc.string({ unit: 'grapheme' }), 100),
      '',
      'a}b',
      '{}',
      'x{y',
      'cat:{7}:list',
    ];
    const fromLua = await redis.eval(script, 0, ...samples);
    expect(fromLua).toEqual(samples.map(leaseKeyFor));
  });

  it('authenticates with the user and password of the URL (ACL)', async () => {
    const user = `t-${randomUUID()}`;
    const prefix = `${user}:`;
    await redis.call('ACL', 'SETUSER', user, 'on', '>s3cret', `~${prefix}*`, `~__lease:*`, '+@all');
    const url = new URL(endpoints.redisUrl);
    url.username = user;
    url.password = 's3cret';
    const authed = RedisInvalidator.fromConfig({ mode: 'standalone', url: url.toString() });
    try {
      await authed.waitUntilReady();
      await redis.set(`${prefix}k`, 'v');
      await authed.apply({ keys: [`${prefix}k`], tags: [], namespaces: [], patterns: [] });
      expect(await redis.exists(`${prefix}k`)).toBe(0);
      // The ACL proves the credentials were used: outside its keys the user gets NOPERM.
      const denied = await authed
        .apply({ keys: [`t-${randomUUID()}:k`], tags: [], namespaces: [], patterns: [] })
        .catch((e: unknown) => e);
      expect(denied).toMatchObject({ code: 'REDIS_COMMAND_FAILED', retriable: false });
      url.password = 'wrong';
      const refused = RedisInvalidator.fromConfig({ mode: 'standalone', url: url.toString() });
      await expect(refused.waitUntilReady()).rejects.toMatchObject({ retriable: false });
      await refused.close();
    } finally {
      await authed.close();
      await redis.call('ACL', 'DELUSER', user);
    }
  });

  it('fails with a retriable error, fast, when Redis is unreachable', async () => {
    const port = await unusedPort();
    const down = RedisInvalidator.fromConfig({
      mode: 'standalone',
      url: `redis://127.0.0.1:${port}`,
    });
    try {
      const error = await down
        .apply({ keys: ['k'], tags: [], namespaces: [], patterns: [] })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RedisUnavailableError);
      expect(error).toMatchObject({ code: 'REDIS_UNAVAILABLE', retriable: true });
      await expect(down.waitUntilReady(300)).rejects.toMatchObject({ retriable: true });
    } finally {
      await down.close();
    }
  });
});
