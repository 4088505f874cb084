import { writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  endpoints,
  InvalidatorProcess,
  killAllInvalidators,
  rewriteRules,
  waitFor,
} from '#local-pipeline';
import { createCdcPipeline, waitForCaughtUp, type CdcPipeline } from '../support/cdc-pipeline.js';
import { existingKeys, keysBehindCommittedOffsets } from '../support/pipeline-checks.js';
import { startInvalidator } from '../support/invalidator-process.js';

// Issue 10's livelock, reproduced: 400,000 unrelated keys in Redis, a `search:*` sweep on every
// product update, and the broker's shortest session timeout (6 s). A paced sweep of that keyspace
// takes tens of seconds (20,000 keys/s, keys then leases), far past the session timeout. Before,
// a chunk waited for its sweep: the member was evicted, its commit failed and the chunk came
// back again and again. Now the product keys go at once, the member stays in the group, each
// event is processed once, and the offsets are committed when a sweep that started after them
// finished. While the offsets wait longer than the stall timeout, readiness says so.

const UNRELATED_KEYS = 400_000;
const PRODUCTS = 200;
const FIRST_ID = 300_000;
const SEARCH_KEYS = 20;
const STALL_TIMEOUT_MS = 5_000;

let pipeline: CdcPipeline;
let redis: Redis;
let service: InvalidatorProcess;
let fillerPrefix = '';

/** The demo's product rule as it was when the livelock was found: keys plus a pattern. */
const RULES = `
version: 1
entities:
  product:
    table: public.products
    columns: [id, name, price, category_id, brand_id, updated_at]
rules:
  - name: product-pages
    on: [product.updated]
    invalidate:
      - key: 'product:{id}'
      - pattern: 'search:*'
`;

const productKeys = () =>
  Array.from({ length: PRODUCTS }, (_, i) => pipeline.key(`product:${FIRST_ID + i}`));
const searchKeys = () =>
  Array.from({ length: SEARCH_KEYS }, (_, i) => pipeline.key(`search:q${i}`));

async function fillUnrelatedKeys(): Promise<void> {
  for (let start = 0; start < UNRELATED_KEYS; start += 50_000) {
    const batch = redis.pipeline();
    for (let i = start; i < start + 50_000; i += 1_000) {
      const pairs: string[] = [];
      for (let j = i; j < i + 1_000; j += 1) pairs.push(`${fillerPrefix}${j}`, 'x');
      batch.mset(...pairs);
    }
    await batch.exec();
  }
}

async function dropUnrelatedKeys(): Promise<void> {
  for (let start = 0; start < UNRELATED_KEYS; start += 50_000) {
    const batch = redis.pipeline();
    for (let i = start; i < start + 50_000; i += 1_000) {
      batch.unlink(...Array.from({ length: 1_000 }, (_, j) => `${fillerPrefix}${i + j}`));
    }
    await batch.exec();
  }
}

beforeAll(async () => {
  pipeline = await createCdcPipeline('livelock');
  redis = new Redis(endpoints.redisUrl);
  fillerPrefix = `${pipeline.keyPrefix}unrelated:`;
  const rulesPath = join(dirname(pipeline.rulesPath), 'livelock.yaml');
  await writeFile(rulesPath, rewriteRules(RULES, pipeline.name, pipeline.keyPrefix));
  await fillUnrelatedKeys();
  await pipeline.insertProducts(FIRST_ID, PRODUCTS);
  service = await startInvalidator({
    pipeline,
    label: 'livelock',
    env: {
      INVALIDATOR_RULES_PATH: rulesPath,
      INVALIDATOR_KAFKA_SESSION_TIMEOUT_MS: '6000',
      INVALIDATOR_STALL_TIMEOUT_MS: String(STALL_TIMEOUT_MS),
    },
  });
}, 300_000);

afterAll(async () => {
  await killAllInvalidators();
  const started: Partial<{ redis: Redis; pipeline: CdcPipeline }> = { redis, pipeline };
  if (started.redis !== undefined && fillerPrefix !== '') await dropUnrelatedKeys();
  started.redis?.disconnect();
  await started.pipeline?.close();
});

describe('a search:* sweep over 400,000 unrelated keys on every product update', () => {
  it('deletes every product key at once, commits after the sweep, and is never evicted', async () => {
    const topic = pipeline.topics.products;
    await waitForCaughtUp(pipeline, service.groupId, topic);
    expect(await redis.dbsize()).toBeGreaterThanOrEqual(UNRELATED_KEYS);
    await redis.mset(...[...productKeys(), ...searchKeys()].flatMap((key) => [key, 'cached']));

    const updatedAt = Date.now();
    await pipeline.updatePrices(FIRST_ID, FIRST_ID + PRODUCTS - 1, 10);
    await waitFor(async () => (await existingKeys(redis, productKeys())).length === 0, {
      timeoutMs: 60_000,
      intervalMs: 100,
      what: 'every product key deleted',
    });
    const keysGoneMs = Date.now() - updatedAt;
    // The keys did not wait for the sweep: its offsets are still waiting on it.
    const [end, committed] = await Promise.all([
      pipeline.endOffsets(topic),
      pipeline.committedOffsets(service.groupId, topic),
    ]);
    expect([...end].some(([p, offset]) => (committed.get(p) ?? -1n) < offset)).toBe(true);

    const notReady = await service.waitNotReady(60_000);
    expect(JSON.stringify(notReady)).toMatch(new RegExp(`${topic}/\\d+ stalled`));
    expect(JSON.stringify(notReady)).toContain('waiting on commit');
    const stalledGauge = (await service.metrics()).value('invalidator_partition_stalled', {
      topic,
    });

    // Nothing is committed before the sweep that started after it finished.
    const premature: string[] = [];
    const ids = new Set(Array.from({ length: PRODUCTS }, (_, i) => String(FIRST_ID + i)));
    await waitFor(
      async () => {
        const behind = await keysBehindCommittedOffsets(
          pipeline,
          service.groupId,
          ids,
          (id) => pipeline.key(`product:${id}`),
          (keys) => existingKeys(redis, keys),
        );
        premature.push(...behind.map((b) => b.key));
        const [endNow, committedNow] = await Promise.all([
          pipeline.endOffsets(topic),
          pipeline.committedOffsets(service.groupId, topic),
        ]);
        return [...endNow].every(([p, offset]) => committedNow.get(p) === offset);
      },
      { timeoutMs: 300_000, intervalMs: 500, what: 'the offsets committed after the sweeps' },
    );
    const committedMs = Date.now() - updatedAt;
    expect(premature).toEqual([]);
    expect(await existingKeys(redis, searchKeys())).toEqual([]);
    await service.waitReady(30_000);

    const scrape = await service.metrics();
    const endAll = await Promise.all(
      Object.values(pipeline.topics).map((t) => pipeline.endOffsets(t)),
    );
    const messages = endAll.flatMap((m) => [...m.values()]).reduce((a, b) => a + b, 0n);
    const evicted = service.logs.filter((line) =>
      /not aware of this member|rejoin|crash|rebalanc/i.test(JSON.stringify(line)),
    );
    expect(evicted).toEqual([]);
    // Each message processed exactly once: no chunk came back after an eviction.
    expect(
      BigInt(scrape.value('invalidator_events_total')),
      service.logs
        .filter((l) => (l.level ?? 0) > 30 || /invalidated|swept/.test(JSON.stringify(l)))
        .map((l) => JSON.stringify(l))
        .join('\n'),
    ).toBe(messages);
    expect(scrape.value('invalidator_partition_stalled')).toBe(0);
    expect(stalledGauge).toBeGreaterThanOrEqual(1);
    const sweeps = scrape.value('invalidator_sweep_duration_seconds_count');
    expect(sweeps).toBeGreaterThanOrEqual(1);
    console.info(
      `livelock: ${PRODUCTS} product keys gone ${keysGoneMs} ms after the updates, offsets committed after ${committedMs} ms, ${sweeps} sweep(s) of ${UNRELATED_KEYS} keys, ${scrape.value('invalidator_sweep_duration_seconds_sum').toFixed(1)} s sweeping`,
    );
  });
});
