import { writeFile } from 'node:fs/promises';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { endpoints, InvalidatorProcess, killAllInvalidators, waitFor } from '#local-pipeline';
import { createCdcPipeline, waitForCaughtUp, type CdcPipeline } from '../support/cdc-pipeline.js';
import { startInvalidator } from '../support/invalidator-process.js';

// One commit of 100,000 row changes: Debezium streams them as 100,000 messages, the service works
// through them chunk by chunk, and every key goes; nothing is lost or dead-lettered.

const ROWS = 100_000;
const FIRST_ID = 1_000_000;

let pipeline: CdcPipeline;
let redis: Redis;
let service: InvalidatorProcess;

const productKey = (id: number) => pipeline.key(`product:${id}`);

beforeAll(async () => {
  pipeline = await createCdcPipeline('bigtx');
  redis = new Redis(endpoints.redisUrl);
  await writeFile(
    pipeline.rulesPath,
    `version: 1
entities:
  product: { table: ${pipeline.name}.products }
rules:
  - name: product-page
    on: [product.updated]
    invalidate:
      - key: '${pipeline.keyPrefix}product:{id}'
`,
  );
  await pipeline.insertProducts(FIRST_ID, ROWS);
  service = await startInvalidator({ pipeline, label: 'bigtx' });
  await waitForCaughtUp(pipeline, service.groupId, pipeline.topics.products, 600_000);
}, 900_000);

afterAll(async () => {
  await killAllInvalidators();
  const started: Partial<{ redis: Redis; pipeline: CdcPipeline }> = { redis, pipeline };
  const { redis: client, pipeline: cdc } = started;
  if (client && cdc) {
    for (let id = FIRST_ID; id < FIRST_ID + ROWS; id += 5_000) {
      await client.unlink(...Array.from({ length: 5_000 }, (_, i) => cdc.key(`product:${id + i}`)));
    }
  }
  started.redis?.disconnect();
  await started.pipeline?.close();
});

async function remaining(): Promise<number> {
  let count = 0;
  for (let id = FIRST_ID; id < FIRST_ID + ROWS; id += 5_000) {
    const keys = Array.from({ length: 5_000 }, (_, i) => productKey(id + i));
    count += await redis.exists(...keys);
  }
  return count;
}

describe('a transaction of 100,000 rows', () => {
  it('invalidates every row it changed', { timeout: 900_000 }, async () => {
    for (let id = FIRST_ID; id < FIRST_ID + ROWS; id += 5_000) {
      const pairs = Array.from({ length: 5_000 }, (_, i) => [productKey(id + i), 'cached']).flat();
      await redis.mset(...pairs);
    }
    expect(await remaining()).toBe(ROWS);

    const started = Date.now();
    const update = await pipeline.catalog.query(
      'UPDATE products SET price = price + 1 WHERE id >= $1 AND id < $2',
      [FIRST_ID, FIRST_ID + ROWS],
    );
    expect(update.rowCount).toBe(ROWS);
    await waitFor(async () => (await remaining()) === 0, {
      timeoutMs: 600_000,
      intervalMs: 2_000,
      what: `all ${ROWS} product keys deleted`,
    });
    const seconds = (Date.now() - started) / 1000;
    console.log(
      JSON.stringify({
        case: 'large-transaction',
        rows: ROWS,
        lost: 0,
        seconds: seconds.toFixed(1),
      }),
    );
    const metrics = await service.metrics();
    expect(metrics.value('invalidator_dead_letters_total')).toBe(0);
    expect((await service.readiness())?.status).toBe(200);
  });
});
