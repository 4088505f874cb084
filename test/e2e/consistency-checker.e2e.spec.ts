import { readFile, writeFile } from 'node:fs/promises';
import { Redis } from 'ioredis';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { toCacheVersion } from '#cache-keys';
import { endpoints, type InvalidatorProcess, waitFor } from '#local-pipeline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCdcPipeline, type CdcPipeline } from '../support/cdc-pipeline.js';
import { startInvalidator } from '../support/invalidator-process.js';

// The checker in the real service: PostgreSQL -> Debezium -> Kafka -> invalidator -> Redis, with
// products versioned by updated_at, 100% sampling and a 1 s window. Two lost invalidations: a
// test-only hook drops the deletion of one key, then a hot reload removes a rule's target; the
// checker must report exactly the keys they left behind.

let pipeline: CdcPipeline;
let redis: Redis;
let service: InvalidatorProcess;

interface Status {
  readonly windows: readonly {
    readonly counts: Readonly<Record<string, number>>;
  }[];
}

async function status(): Promise<Status> {
  const response = await fetch(`http://127.0.0.1:${service.port}/admin/consistency`);
  return (await response.json()) as Status;
}

/** The row's current version, as the rules read it (exact microseconds). */
async function versionOf(id: number): Promise<string> {
  const result = await pipeline.catalog.query(
    'SELECT updated_at::text AS v FROM products WHERE id = $1',
    [id],
  );
  const row = result.rows[0] as { v: string } | undefined;
  return toCacheVersion(row?.v ?? '');
}

beforeAll(async () => {
  pipeline = await createCdcPipeline('consistency');
  // Version the products entity (the demo rules do not: the demo app reads the primary).
  const rules = await readFile(pipeline.rulesPath, 'utf8');
  const versioned = rules.replace(
    /(\n( +)table: [a-z_0-9]+\.products\n)/,
    '$1$2version: updated_at\n',
  );
  expect(versioned).not.toBe(rules);
  await writeFile(pipeline.rulesPath, versioned);
  redis = new Redis(endpoints.redisUrl);
  service = await startInvalidator({
    pipeline,
    label: 'consistency',
    env: {
      INVALIDATOR_CONSISTENCY_CHECK: 'true',
      INVALIDATOR_CONSISTENCY_SAMPLE_RATE: '1',
      INVALIDATOR_CONSISTENCY_WINDOWS_MS: '1000',
      INVALIDATOR_TEST_DROP_KEYS: `${pipeline.key('product:124')}$`,
    },
  });
}, 180_000);

afterAll(async () => {
  await service.stop();
  redis.disconnect();
  await pipeline.close();
});

describe('the online consistency checker', () => {
  it('reports the lost invalidation, with its change, and nothing for the applied one', async () => {
    const applied = pipeline.key('product:123');
    const lost = pipeline.key('product:124');
    const before = { 123: await versionOf(123), 124: await versionOf(124) };
    await redis.set(applied, `#1;${before[123]};{"price":"old"}`);
    await redis.set(lost, `#1;${before[124]};{"price":"old"}`);
    await pipeline.catalog.query(
      'UPDATE products SET price = price + 1, updated_at = clock_timestamp() WHERE id IN (123, 124)',
    );
    const after = await versionOf(124);
    await waitFor(async () => (await redis.exists(applied)) === 0, {
      timeoutMs: 60_000,
      what: 'the applied invalidation',
    });
    const line = await service.waitForLog(
      (l) => l.msg?.startsWith('inconsistent cache entry') === true,
      60_000,
    );
    expect(line).toMatchObject({
      key: lost,
      windowMs: 1000,
      topic: pipeline.topics.products,
      changeVersion: after,
      entryVersion: before[124],
    });
    expect(typeof line.partition).toBe('number');
    expect(typeof line.offset).toBe('string');
    const counts = await waitFor(
      async () => {
        const window = (await status()).windows[0];
        return (window?.counts.absent ?? 0) >= 1 ? window?.counts : undefined;
      },
      { timeoutMs: 30_000, what: 'the applied key checked' },
    );
    expect(counts).toMatchObject({ inconsistent: 1 });
    const scrape = await service.metrics();
    expect(
      scrape.value('invalidator_consistency_checks_total', {
        window: '1s',
        result: 'inconsistent',
      }),
    ).toBe(1);
  });
});

describe('a rule removed by a hot reload', () => {
  it('leaves the entry in place, and the checker reports the change the old rules invalidated', async () => {
    // The product page target goes; every other target of the rule stays.
    const document = parseYaml(await readFile(pipeline.rulesPath, 'utf8')) as {
      rules: { name: string; invalidate: { key?: string }[] }[];
    };
    const pages = document.rules.find((rule) => rule.name === 'product-pages');
    const page = pipeline.key('product:{id}');
    expect(pages?.invalidate.some((target) => target.key === page)).toBe(true);
    if (pages !== undefined) {
      pages.invalidate = pages.invalidate.filter((target) => target.key !== page);
    }
    await writeFile(pipeline.rulesPath, stringifyYaml(document));
    const reloads = service.logs.filter((l) => l.msg === 'rules reloaded').length;
    service.signal('SIGHUP');
    await waitFor(() => service.logs.filter((l) => l.msg === 'rules reloaded').length > reloads, {
      timeoutMs: 30_000,
      what: 'the rules reload',
    });

    const lost = pipeline.key('product:125');
    const list = pipeline.key('category:5:products');
    const before = await versionOf(125);
    await redis.set(lost, `#1;${before};{"price":"old"}`);
    await redis.set(list, `#1;${before};{"products":"old"}`);
    await pipeline.catalog.query('UPDATE products SET price = price + 1 WHERE id = 125');
    const after = await versionOf(125);
    // The list is still a target: once it is gone, the change went through the service.
    await waitFor(async () => (await redis.exists(list)) === 0, {
      timeoutMs: 60_000,
      what: 'the category list invalidated by the reloaded rules',
    });
    const line = await service.waitForLog(
      (l) => l.msg?.startsWith('inconsistent cache entry') === true && l.key === lost,
      60_000,
    );
    expect(line).toMatchObject({
      key: lost,
      topic: pipeline.topics.products,
      changeVersion: after,
      entryVersion: before,
    });
    expect(typeof line.partition).toBe('number');
    expect(typeof line.offset).toBe('string');
    // The invalidation really was lost: the old entry is still there.
    expect(await redis.get(lost)).toBe(`#1;${before};{"price":"old"}`);
  });
});
