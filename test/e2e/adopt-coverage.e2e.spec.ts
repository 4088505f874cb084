import 'reflect-metadata';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Cluster, Redis } from 'ioredis';
import { CacheClient } from '#cache-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// The app is booted in-process; apps have no `#name` entry, so this test imports it by path.
// eslint-disable-next-line no-restricted-imports
import { readCatalogConfig } from '../../apps/catalog-api/src/catalog-config.js';
// eslint-disable-next-line no-restricted-imports
import { CatalogModule } from '../../apps/catalog-api/src/catalog.module.js';
import {
  createIsolatedCatalog,
  endpoints,
  isolatedRules,
  repoPath,
  uniqueName,
  type IsolatedCatalog,
} from '#local-pipeline';

// `invalidator why` and `invalidator coverage` against the stack's real Redis, on the keys the
// demo app writes (through its cache client: entries, leases, tag sets) and keys no rule covers.
// Everything lives under a key prefix of its own; the rules are the demo rules under that prefix.

/** Runs the built CLI without blocking the in-process app's event loop. */
function cli(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [repoPath('bin', 'invalidator.js'), ...args]);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (status) => {
      resolve({ status, stdout, stderr });
    });
  });
}

interface Family {
  family: string;
  count: number;
  example: string;
  covered: boolean;
  by: string[];
  ttl: { min: number | null; max: number | null; none: number };
}

const prefix = `t-${randomUUID()}:`;
let catalog: IsolatedCatalog;
let app: INestApplication;
let redis: Redis;
let dir: string;
let rules: string;

beforeAll(async () => {
  catalog = await createIsolatedCatalog({ name: uniqueName('t_adopt_cov') });
  const config = readCatalogConfig({
    CATALOG_DATABASE_URL: catalog.databaseUrl,
    CATALOG_REDIS_URL: endpoints.redisUrl,
    CATALOG_HTTP_PORT: '0',
    CATALOG_CACHE_TTL_SECONDS: '300',
    CATALOG_CACHE_PREFIX: prefix,
  });
  app = await NestFactory.create(CatalogModule.forRoot(config), { logger: false });
  await app.listen(config.httpPort, config.httpHost);
  const baseUrl = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  for (const path of [
    '/products/123',
    '/products/124',
    '/products/200',
    '/categories/5/products',
  ]) {
    expect((await fetch(`${baseUrl}${path}`)).status).toBe(200);
  }
  await app.get(CacheClient).idle();
  redis = new Redis(endpoints.redisUrl);
  dir = await mkdtemp(join(tmpdir(), 'adopt-coverage-'));
  rules = join(dir, 'rules.yaml');
  await writeFile(rules, await isolatedRules(catalog.name, prefix));
});

afterAll(async () => {
  await app.close();
  await catalog.drop();
  const keys = [
    ...(await redis.keys(`${prefix}*`)),
    ...(await redis.keys(`__tag:${prefix}*`)),
    ...(await redis.keys(`__lease:*${prefix}*`)),
  ];
  if (keys.length > 0) await redis.unlink(...keys);
  redis.disconnect();
  await rm(dir, { recursive: true, force: true });
});

describe('invalidator why on keys the demo app wrote', () => {
  it('names the rules, events and bindings of a cached product page', async () => {
    expect(await redis.exists(`${prefix}product:123`)).toBe(1);
    const run = await cli(['why', '--rules', rules, `${prefix}product:123`]);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const output = JSON.parse(run.stdout) as { key: string; matches: Record<string, unknown>[] };
    expect(output.key).toBe(`${prefix}product:123`);
    expect(output.matches).toContainEqual({
      rule: 'product-pages',
      events: [
        'product.created',
        'product.updated',
        'product.deleted',
        'category.updated',
        'category.deleted',
        'brand.updated',
        'brand.deleted',
      ],
      target: 'key',
      template: `${prefix}product:{id}`,
      bindings: { id: '123' },
    });
  });

  it('exits 1 with no match for a key no rule covers, and 2 on usage errors', async () => {
    const none = await cli(['why', '--rules', rules, `${prefix}session:abc`]);
    expect(none.status).toBe(1);
    expect(JSON.parse(none.stdout)).toEqual({ key: `${prefix}session:abc`, matches: [] });
    expect((await cli(['why', '--rules', rules])).status).toBe(2);
    expect((await cli(['why', `${prefix}product:1`])).status).toBe(2);
  });
});

describe('invalidator coverage on the live cache', () => {
  it('reports the app families covered, skips leases and tag sets, and exits 1 on uncovered keys', async () => {
    // Keys of the app's own families the rules do not know about.
    await redis.set(`${prefix}session:alice`, 'x');
    await redis.set(`${prefix}cart:${randomUUID()}`, 'x', 'EX', 120);
    await redis.set(`${prefix}cart:${randomUUID()}`, 'x');
    // A lease and a tag set of the cache client exist next to the entries.
    expect(await redis.keys(`__tag:${prefix}*`)).not.toEqual([]);
    const run = await cli([
      'coverage',
      '--rules',
      rules,
      '--redis-url',
      endpoints.redisUrl,
      '--match',
      `${prefix}*`,
    ]);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(1);
    const report = JSON.parse(run.stdout) as {
      sampled: number;
      families: Family[];
      uncovered: number;
    };
    const family = (name: string) => report.families.find((f) => f.family === `t-{}:${name}`);
    expect(report.sampled).toBe(7);
    expect(report.uncovered).toBe(3);
    expect(report.families.map((f) => f.family)).toEqual([
      't-{}:product:{}',
      't-{}:cart:{}',
      't-{}:category:{}:products',
      't-{}:session:alice',
    ]);
    expect(family('product:{}')).toMatchObject({
      count: 3,
      covered: true,
      by: ['product-pages', 'product-bulk', 'brand-pages'],
      ttl: { none: 0 },
    });
    // The app's TTL is 300 s plus up to 10 % jitter.
    expect(family('product:{}')?.ttl.min).toBeGreaterThan(200);
    expect(family('product:{}')?.ttl.max).toBeLessThanOrEqual(330);
    expect(family('category:{}:products')).toMatchObject({
      count: 1,
      covered: true,
      example: `${prefix}category:5:products`,
    });
    expect(family('cart:{}')).toMatchObject({ count: 2, covered: false, by: [], ttl: { none: 1 } });
    expect(family('cart:{}')?.ttl.min).toBeGreaterThan(0);
  });

  it('exits 0 once every sampled family is covered, and 2 on usage errors', async () => {
    await redis.unlink(
      ...(await redis.keys(`${prefix}session:*`)),
      ...(await redis.keys(`${prefix}cart:*`)),
    );
    const run = await cli([
      'coverage',
      '--rules',
      rules,
      '--redis-url',
      endpoints.redisUrl,
      '--match',
      `${prefix}*`,
      '--sample',
      '2',
    ]);
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toMatchObject({ sampled: 2, uncovered: 0 });
    expect(run.status).toBe(0);
    expect((await cli(['coverage', '--rules', rules])).status).toBe(2);
    expect(
      (
        await cli([
          'coverage',
          '--rules',
          rules,
          '--redis-url',
          endpoints.redisUrl,
          '--sample',
          '0',
        ])
      ).status,
    ).toBe(2);
  });

  it('samples every master of a Redis Cluster through --redis-cluster-nodes', async () => {
    const cluster = new Cluster([...endpoints.redisClusterNodes]);
    try {
      // Keys in many slots, so every master holds some.
      const keys = Array.from({ length: 30 }, (_, i) => `${prefix}product:${i}`);
      for (const key of keys) await cluster.set(key, 'x', 'EX', 60);
      await cluster.set(`${prefix}orphan:1`, 'x');
      const nodes = endpoints.redisClusterNodes.map((n) => `${n.host}:${n.port}`).join(',');
      const run = await cli([
        'coverage',
        '--rules',
        rules,
        '--redis-cluster-nodes',
        nodes,
        '--match',
        `${prefix}*`,
      ]);
      expect(run.stderr).toBe('');
      expect(run.status).toBe(1);
      const report = JSON.parse(run.stdout) as {
        sampled: number;
        families: Family[];
        uncovered: number;
      };
      expect(report.sampled).toBe(31);
      expect(report.families.map((f) => [f.family, f.count, f.covered])).toEqual([
        ['t-{}:product:{}', 30, true],
        ['t-{}:orphan:{}', 1, false],
      ]);
      for (const key of [...keys, `${prefix}orphan:1`]) await cluster.unlink(key);
    } finally {
      cluster.disconnect();
    }
  });
});
