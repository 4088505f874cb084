import { writeFile } from 'node:fs/promises';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEAD_LETTER_HEADERS } from '#kafka';
import { endpoints, InvalidatorProcess, killAllInvalidators, waitFor } from '#local-pipeline';
import { createCdcPipeline, waitForCaughtUp, type CdcPipeline } from '../support/cdc-pipeline.js';
import { readTopicUntil, type ReadMessage } from '../support/pipeline-checks.js';
import { startInvalidator } from '../support/invalidator-process.js';

// Values the rules did not plan for, through the real pipeline: a TOASTed column left unchanged by
// an update (REPLICA IDENTITY FULL and DEFAULT), a rendered key longer than the rules allow, a
// table the rules do not map, and a column renamed under the running connector. What must hold:
// no wrong key, no missed change, no crash; what cannot be rendered is dead-lettered with a code.

let pipeline: CdcPipeline;
let redis: Redis;
let service: InvalidatorProcess;

/** 3 kB, stored out of line (STORAGE EXTERNAL), so an update of another column omits it. */
const toasted = 'toast-'.padEnd(3_000, 'abcdefghij');
/** 5 kB: renders a key beyond MAX_TARGET_BYTES (4096). */
const huge = 'huge-'.padEnd(5_000, 'klmnopqrst');

function rules(schema: string, prefix: string): string {
  return `version: 1
entities:
  product: { table: ${schema}.products }
  # brands and categories are deliberately not mapped: tables the rules do not know.
rules:
  - name: product-page
    on: [product.created, product.updated, product.deleted]
    invalidate:
      - key: '${prefix}product:{id}'
      - key: '${prefix}brand:{brand_id}:products'
  - name: product-summary
    on: [product.updated]
    invalidate:
      - key: '${prefix}summary:{summary}'
  - name: product-summary-changed
    on: [product.updated]
    when: { changed: [summary] }
    invalidate:
      - key: '${prefix}summary-changed:{id}'
`;
}

beforeAll(async () => {
  pipeline = await createCdcPipeline('unplanned');
  redis = new Redis(endpoints.redisUrl);
  await pipeline.catalog.query('ALTER TABLE products ADD COLUMN summary text');
  await pipeline.catalog.query('ALTER TABLE products ALTER COLUMN summary SET STORAGE EXTERNAL');
  await pipeline.catalog.query(
    `INSERT INTO products (id, name, price, category_id, brand_id, summary)
     VALUES (9001, 'Toasted', 1.00, 5, 1, $1), (9002, 'Short', 1.00, 5, 1, 'short'),
            (9003, 'Renamed', 1.00, 5, 1, 'short')`,
    [toasted],
  );
  await writeFile(pipeline.rulesPath, rules(pipeline.name, pipeline.keyPrefix));
  service = await startInvalidator({ pipeline, label: 'unplanned' });
  await waitForCaughtUp(pipeline, service.groupId, pipeline.topics.products);
});

afterAll(async () => {
  await killAllInvalidators();
  const started: Partial<{ redis: Redis; pipeline: CdcPipeline }> = { redis, pipeline };
  if (started.redis && started.pipeline) {
    const keys = await started.redis.keys(`${started.pipeline.keyPrefix}*`);
    if (keys.length > 0) await started.redis.unlink(...keys);
  }
  started.redis?.disconnect();
  await started.pipeline?.close();
});

const gone = (key: string) =>
  waitFor(async () => (await redis.exists(key)) === 0, {
    timeoutMs: 60_000,
    intervalMs: 100,
    what: `${key} deleted`,
  });

async function deadLetter(code: string): Promise<ReadMessage> {
  const letters = await readTopicUntil(pipeline, service.deadLetterTopic, (messages) =>
    messages.some((m) => m.headers[DEAD_LETTER_HEADERS.errorCode] === code),
  );
  const letter = letters.find((m) => m.headers[DEAD_LETTER_HEADERS.errorCode] === code);
  if (letter === undefined) throw new Error(`no dead letter with code ${code}`);
  return letter;
}

describe('values the rules did not plan for, from real Debezium events', () => {
  it('REPLICA IDENTITY FULL: an update leaving a TOASTed column unchanged renders its real value and skips when.changed', async () => {
    const keys = [
      pipeline.key('product:9001'),
      pipeline.key(`summary:${toasted}`),
      pipeline.key('summary-changed:9001'),
    ];
    for (const key of keys) await redis.set(key, 'cached');
    await pipeline.catalog.query('UPDATE products SET price = 2.00 WHERE id = 9001');
    await gone(pipeline.key('product:9001'));
    await gone(pipeline.key(`summary:${toasted}`));
    // Same message as the keys above, so it was evaluated: the summary did not change.
    expect(await redis.exists(pipeline.key('summary-changed:9001'))).toBe(1);
  });

  it('REPLICA IDENTITY DEFAULT: a key that needs the unavailable TOASTed value is dead-lettered, not skipped', async () => {
    await pipeline.catalog.query('ALTER TABLE products REPLICA IDENTITY DEFAULT');
    try {
      await pipeline.catalog.query('UPDATE products SET price = 3.00 WHERE id = 9001');
      const letter = await deadLetter('RULE_VALUE_UNAVAILABLE');
      expect(letter.value).toContain('__debezium_unavailable_value');
      expect(letter.headers[DEAD_LETTER_HEADERS.errorMessage]).toMatch(
        /rule "product-summary": \{summary\}.*REPLICA IDENTITY FULL/,
      );
    } finally {
      await pipeline.catalog.query('ALTER TABLE products REPLICA IDENTITY FULL');
    }
    // The partition moved on: the next change of the same table applies.
    await redis.set(pipeline.key('product:9002'), 'cached');
    await pipeline.catalog.query('UPDATE products SET price = 3.00 WHERE id = 9002');
    await gone(pipeline.key('product:9002'));
  });

  it('a key longer than the rules allow is dead-lettered with RULE_TARGET_TOO_LONG', async () => {
    await pipeline.catalog.query('UPDATE products SET summary = $1 WHERE id = 9002', [huge]);
    const letter = await deadLetter('RULE_TARGET_TOO_LONG');
    expect(letter.headers[DEAD_LETTER_HEADERS.errorMessage]).toMatch(
      /"\S+summary:\{summary\}" rendered 50\d\d bytes .* at most 4096/,
    );
  });

  it('changes of tables the rules do not map are acknowledged and counted, not dead-lettered', async () => {
    const before = (await service.metrics()).value('invalidator_events_total', {
      outcome: 'ignored',
      reason: 'unmapped',
    });
    await pipeline.catalog.query("UPDATE brands SET name = name || ' (new)'");
    await waitFor(
      async () =>
        (await service.metrics()).value('invalidator_events_total', {
          outcome: 'ignored',
          reason: 'unmapped',
        }) > before,
      { timeoutMs: 60_000, intervalMs: 200, what: 'brand updates counted as unmapped' },
    );
    await waitForCaughtUp(pipeline, service.groupId, pipeline.topics.brands);
  });

  it('a column renamed under the running connector dead-letters with RULE_COLUMN_MISSING naming it', async () => {
    await pipeline.catalog.query('ALTER TABLE products RENAME COLUMN brand_id TO maker_id');
    await pipeline.catalog.query('UPDATE products SET price = 4.00 WHERE id = 9003');
    const letter = await deadLetter('RULE_COLUMN_MISSING');
    expect(letter.value).toContain('"maker_id"');
    expect(letter.headers[DEAD_LETTER_HEADERS.errorMessage]).toMatch(
      /rule "product-page": \{brand_id\} .* not in the after image of product\.updated/,
    );
    const metrics = await service.metrics();
    for (const code of ['RULE_VALUE_UNAVAILABLE', 'RULE_TARGET_TOO_LONG', 'RULE_COLUMN_MISSING']) {
      expect(metrics.value('invalidator_dead_letters_total', { code })).toBe(1);
    }
    await waitForCaughtUp(pipeline, service.groupId, pipeline.topics.products);
    expect((await service.readiness())?.status).toBe(200);
  });
});
