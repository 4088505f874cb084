import { execFile, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { endpoints, InvalidatorProcess, killAllInvalidators, waitFor } from '#local-pipeline';
import { createCdcPipeline, waitForCaughtUp, type CdcPipeline } from '../support/cdc-pipeline.js';
import { startInvalidator } from '../support/invalidator-process.js';

// The service with least privilege and its secrets in files: a Redis ACL user limited to the
// commands and key patterns of docs/security.md, a PostgreSQL role that can only SELECT the table
// the rules' lookups read, the admin token from a file. Everything still works (keys, tags,
// patterns, cascades, explain), the servers refuse the rest, and no secret reaches the logs.

const run = promisify(execFile);
const secret = () => randomBytes(18).toString('base64url');
const redisPassword = secret();
const pgPassword = secret();
const adminToken = secret();

/** docs/security.md, standalone: the ACL rules after the user name and password. */
function redisAclRules(keyPrefix: string): string[] {
  return [
    'reset',
    'on',
    `>${redisPassword}`,
    `~${keyPrefix}*`,
    '~__tag:*',
    '~__lease:*',
    '~__ns:*',
    '~__inv:*',
    'resetchannels',
    '-@all',
    '+ping',
    '+info',
    '+hello',
    '+auth',
    '+client|setname',
    '+unlink',
    '+incr',
    '+scan',
    '+sscan',
    '+srem',
    '+type',
    '+smembers',
    '+eval',
    '+evalsha',
  ];
}

let pipeline: CdcPipeline;
let redis: Redis;
let service: InvalidatorProcess;
let secretsDir: string;
let redisUser: string;
let pgRole: string;
let roleUrl: string;

const stack = (fn: string, ...args: string[]) =>
  run('bash', [
    '-c',
    `source deploy/local/common.sh && source deploy/local/components/postgres.sh && ${fn} "$@"`,
    'stack',
    ...args,
  ]);

beforeAll(async () => {
  pipeline = await createCdcPipeline('leastpriv');
  redis = new Redis(endpoints.redisUrl);
  redisUser = `${pipeline.name}-svc`;
  pgRole = `${pipeline.name}_lookup`;
  await redis.call('ACL', 'SETUSER', redisUser, ...redisAclRules(pipeline.keyPrefix));
  await stack('postgres_lookup_role', pgRole, pgPassword, pipeline.name, 'products');
  const url = new URL(pipeline.databaseUrl);
  url.username = pgRole;
  url.password = pgPassword;
  roleUrl = url.toString();
  secretsDir = await mkdtemp(join(tmpdir(), `${pipeline.name}-secrets-`));
  await writeFile(join(secretsDir, 'redis-password'), `${redisPassword}\n`);
  await writeFile(join(secretsDir, 'database-url'), `${roleUrl}\n`);
  await writeFile(join(secretsDir, 'admin-token'), `${adminToken}\n`);
  service = await startInvalidator({
    pipeline,
    label: 'leastpriv',
    env: {
      INVALIDATOR_REDIS_USERNAME: redisUser,
      INVALIDATOR_REDIS_PASSWORD_FILE: join(secretsDir, 'redis-password'),
      INVALIDATOR_DATABASE_URL: '',
      INVALIDATOR_DATABASE_URL_FILE: join(secretsDir, 'database-url'),
      INVALIDATOR_ADMIN_TOKEN_FILE: join(secretsDir, 'admin-token'),
      INVALIDATOR_LOG_LEVEL: 'debug',
    },
  });
});

afterAll(async () => {
  await killAllInvalidators();
  const started: Partial<{ redis: Redis; pipeline: CdcPipeline }> = { redis, pipeline };
  if (started.redis && started.pipeline) {
    const keys = await started.redis.keys(`${started.pipeline.keyPrefix}*`);
    if (keys.length > 0) await started.redis.unlink(...keys);
    await started.redis.call('ACL', 'DELUSER', redisUser).catch(() => undefined);
  }
  if (started.pipeline) await stack('postgres_drop_role', pgRole).catch(() => undefined);
  started.redis?.disconnect();
  await started.pipeline?.close();
  if (secretsDir) await rm(secretsDir, { recursive: true, force: true });
});

const gone = (key: string) =>
  waitFor(async () => (await redis.exists(key)) === 0, {
    timeoutMs: 60_000,
    intervalMs: 100,
    what: `${key} deleted`,
  });

describe('least privilege', () => {
  it('invalidates keys, tags, patterns and cascades as the Redis ACL user and the lookup role', async () => {
    await waitForCaughtUp(pipeline, service.groupId, pipeline.topics.products);
    const { rows } = await pipeline.catalog.query(
      'SELECT id FROM products WHERE category_id = 5 ORDER BY id LIMIT 1',
    );
    const cascaded = (rows[0] as { id: string }).id;
    const page = pipeline.key('page:home');
    await redis.set(pipeline.key('product:123'), 'cached');
    await redis.set(page, 'cached');
    await redis.sadd(`__tag:${pipeline.key('product:123')}`, page);
    await redis.set(pipeline.key(`product:${cascaded}`), 'cached');

    await pipeline.catalog.query('UPDATE products SET price = price + 1 WHERE id = 123');
    await gone(pipeline.key('product:123'));
    await gone(page); // through the tag set, by the Lua script
    // The search family is a namespace: one INCR of its counter (`+incr ~__ns:*`).
    await waitFor(async () => Number(await redis.get(`__ns:${pipeline.key('search')}`)) >= 1, {
      timeoutMs: 60_000,
      intervalMs: 100,
      what: 'the search namespace bumped',
    });
    await pipeline.catalog.query("UPDATE categories SET name = name || '!' WHERE id = 5");
    await gone(pipeline.key(`product:${cascaded}`)); // cascade lookup as the read-only role

    const metrics = await service.metrics();
    expect(metrics.value('invalidator_dead_letters_total')).toBe(0);
    expect((await service.readiness())?.status).toBe(200);
  });

  it('the Redis user is refused FLUSHALL, KEYS, CONFIG, writes and keys outside its patterns', async () => {
    const user = new Redis(endpoints.redisUrl, { username: redisUser, password: redisPassword });
    try {
      const refused: [string, ...string[]][] = [
        ['FLUSHALL'],
        ['KEYS', '*'],
        ['CONFIG', 'GET', 'maxmemory'],
        ['SET', pipeline.key('x'), '1'],
        ['UNLINK', 'someone-else:key'],
        ['ACL', 'LIST'],
      ];
      for (const [command, ...args] of refused) {
        await expect(user.call(command, ...args), command).rejects.toThrow(/NOPERM/);
      }
      expect(await user.call('UNLINK', pipeline.key('nothing-here'))).toBe(0);
    } finally {
      user.disconnect();
    }
  });

  it('the PostgreSQL role can only SELECT the table the lookups read', async () => {
    const client = new pg.Client({ connectionString: roleUrl });
    await client.connect();
    try {
      expect((await client.query('SELECT count(*) FROM products')).rowCount).toBe(1);
      for (const sql of [
        'SELECT * FROM categories',
        'SELECT * FROM brands',
        'UPDATE products SET price = price WHERE id = 123',
        'CREATE TABLE stolen (id int)',
      ]) {
        await expect(client.query(sql), sql).rejects.toThrow(
          /permission denied|read-only transaction/,
        );
      }
    } finally {
      await client.end();
    }
  });

  it('explain needs the token read from the file', async () => {
    const explain = (headers: Record<string, string>) =>
      fetch(`${service.url}/admin/explain?topic=${pipeline.topics.categories}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({
          op: 'u',
          before: { id: 5, name: 'A', parent_id: null },
          after: { id: 5, name: 'B', parent_id: null },
          source: { schema: pipeline.name, table: 'categories' },
        }),
      });
    expect((await explain({})).status).toBe(401);
    const allowed = await explain({ authorization: `Bearer ${adminToken}` });
    expect(allowed.status).toBe(200);
    expect(((await allowed.json()) as { cascades: unknown[] }).cascades).toHaveLength(1);
  });

  it('never logs a secret, running or refusing a bad configuration', () => {
    const logged = service.logs.map((line) => JSON.stringify(line)).join('\n');
    expect(logged).toContain('rules loaded');
    for (const value of [redisPassword, pgPassword, adminToken, encodeURIComponent(pgPassword)]) {
      expect(logged).not.toContain(value);
    }
    const leaked = [secret(), secret(), secret(), secret()];
    const refused = spawnSync(process.execPath, ['dist/apps/invalidator/src/main.js'], {
      encoding: 'utf8',
      timeout: 30_000,
      env: {
        PATH: process.env['PATH'],
        INVALIDATOR_KAFKA_BROKERS: endpoints.kafkaBrokers.join(','),
        INVALIDATOR_KAFKA_TOPICS: pipeline.topics.products,
        INVALIDATOR_RULES_PATH: pipeline.rulesPath,
        INVALIDATOR_REDIS_URL: `http://user:${leaked[0]}@127.0.0.1:1`,
        INVALIDATOR_DATABASE_URL: `mysql://user:${leaked[1]}@127.0.0.1/x`,
        INVALIDATOR_ADMIN_TOKEN: leaked[2]?.slice(0, 8),
        INVALIDATOR_KAFKA_SASL_PASSWORD: leaked[3],
        INVALIDATOR_KAFKA_SASL_MECHANISM: 'kerberos',
      },
    });
    expect(refused.status).toBe(78);
    const output = refused.stdout + refused.stderr;
    expect(output).toContain('INVALIDATOR_REDIS_URL (secret, value not shown)');
    expect(output).toContain('INVALIDATOR_DATABASE_URL (secret, value not shown)');
    expect(output).toContain('INVALIDATOR_ADMIN_TOKEN (secret, value not shown)');
    for (const value of leaked) expect(output).not.toContain(value.slice(0, 8));
  });
});
