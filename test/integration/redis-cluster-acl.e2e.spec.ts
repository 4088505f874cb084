import { randomBytes } from 'node:crypto';
import { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisInvalidator } from '#redis-invalidation';
import { endpoints } from '#local-pipeline';

// docs/security.md's Redis Cluster ACL line, set on every master: the invalidator (keys in many
// slots, tag sets, a pattern sweep over every master) works as that user, and the user is
// refused FLUSHALL, KEYS and CONFIG.

const nodes = endpoints.redisClusterNodes;
const user = `acl-${randomBytes(3).toString('hex')}`;
const password = randomBytes(18).toString('base64url');
const prefix = `${user}:`;
const rules = [
  'reset',
  'on',
  `>${password}`,
  `~${prefix}*`,
  '~__tag:*',
  '~__lease:*',
  '~__ns:*',
  '~__inv:*',
  'resetchannels',
  '-@all',
  ...['+ping', '+info', '+hello', '+auth', '+client|setname', '+unlink', '+incr', '+scan', '+type'],
  ...['+smembers', '+eval', '+evalsha', '+sscan', '+srem', '+cluster|slots', '+cluster|info'],
  '+readonly',
];

async function onEveryNode(...args: [string, ...string[]]): Promise<void> {
  for (const node of nodes) {
    const client = new Redis(node.port, node.host);
    try {
      await client.call(...args);
    } finally {
      client.disconnect();
    }
  }
}

let admin: Cluster;
let invalidator: RedisInvalidator;

beforeAll(async () => {
  await onEveryNode('ACL', 'SETUSER', user, ...rules);
  admin = new Cluster([...nodes]);
  invalidator = RedisInvalidator.fromConfig({
    mode: 'cluster',
    nodes,
    username: user,
    password,
  });
  await invalidator.waitUntilReady(20_000);
});

afterAll(async () => {
  await invalidator.close();
  const keys = await admin.keys(`${prefix}*`).catch(() => []);
  for (const key of keys) await admin.unlink(key);
  admin.disconnect();
  await onEveryNode('ACL', 'DELUSER', user);
});

describe('Redis Cluster as the least-privilege ACL user', () => {
  it('invalidates keys across slots, tag sets and patterns', async () => {
    const keys = Array.from({ length: 50 }, (_, i) => `${prefix}k${i}`);
    for (const key of keys) await admin.set(key, 'v');
    const members = [`${prefix}m1`, `${prefix}m2`];
    for (const member of members) await admin.set(member, 'v');
    await admin.sadd(`__tag:${prefix}t`, ...members);
    await admin.set(`${prefix}s:1`, 'v');
    await invalidator.ping();
    const counts = await invalidator.apply({
      keys,
      tags: [`${prefix}t`],
      namespaces: [],
      patterns: [`${prefix}s:*`],
    });
    expect(counts).toMatchObject({ keys: 50, tagMembers: 2, patternMatches: 1 });
    let left = 0;
    for (const key of [...keys, ...members, `${prefix}s:1`, `__tag:${prefix}t`]) {
      left += await admin.exists(key);
    }
    expect(left).toBe(0);
  });

  it('is refused FLUSHALL, KEYS and CONFIG', async () => {
    const client = new Cluster([...nodes], { redisOptions: { username: user, password } });
    try {
      const refused: [string, ...string[]][] = [
        ['FLUSHALL'],
        ['KEYS', '*'],
        ['CONFIG', 'GET', 'maxmemory'],
      ];
      for (const [command, ...args] of refused) {
        await expect(client.call(command, ...args), command).rejects.toThrow(/NOPERM/);
      }
    } finally {
      client.disconnect();
    }
  });
});
