import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { endpoints, InvalidatorProcess, killAllInvalidators, waitFor } from '#local-pipeline';
import { createCdcPipeline, waitForCaughtUp, type CdcPipeline } from '../support/cdc-pipeline.js';
import { rowOf } from '../support/debezium-rows.js';
import { startInvalidator } from '../support/invalidator-process.js';

// A topic pattern (INVALIDATOR_KAFKA_TOPICS=/.../) covers topics created while the service runs:
// Debezium creates a table's topic with the table's first change, and kafkajs matches a pattern
// only when it subscribes. A real Debezium update, read off the products topic, is written to a
// matching topic created after the service started; the service finds the topic, rejoins its
// group subscribed to it, and deletes the key that update names.

let pipeline: CdcPipeline;
let redis: Redis;
let service: InvalidatorProcess;

const escaped = (name: string) => name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

beforeAll(async () => {
  pipeline = await createCdcPipeline('newtopic');
  redis = new Redis(endpoints.redisUrl);
  // Debezium's topics are <prefix>.<schema>.<table>; the pattern leaves the dead-letter topic out.
  const pattern = `/^${escaped(pipeline.name)}\\.${escaped(pipeline.name)}\\./`;
  service = await startInvalidator({
    pipeline,
    label: 'newtopic',
    env: { INVALIDATOR_KAFKA_TOPICS: pattern, INVALIDATOR_KAFKA_TOPIC_REFRESH_MS: '500' },
  });
  await waitForCaughtUp(pipeline, service.groupId, pipeline.topics.products);
});

afterAll(async () => {
  await killAllInvalidators();
  redis.disconnect();
  await pipeline.close();
});

describe('a topic pattern', () => {
  it('consumes a matching topic created after the service started', async () => {
    // A real update of product 124, deleted once through the products topic.
    const key = pipeline.key('product:124');
    await redis.set(key, 'cached');
    await pipeline.catalog.query('UPDATE products SET price = price + 1 WHERE id = 124');
    const update = await pipeline.collector.waitFor(
      (m) =>
        m.topic === pipeline.topics.products &&
        m.value !== null &&
        rowOf(m)?.op === 'u' &&
        rowOf(m)?.id === '124',
    );
    await waitFor(async () => (await redis.exists(key)) === 0, {
      timeoutMs: 60_000,
      intervalMs: 100,
      what: `${key} deleted through the products topic`,
    });

    // The same event on a topic that did not exist when the service subscribed.
    const late = await pipeline.createTopic(`${pipeline.name}.late_table`);
    expect(late).toMatch(new RegExp(`^${escaped(pipeline.name)}\\.${escaped(pipeline.name)}\\.`));
    await service.waitForLog((line) => line.msg?.startsWith('new topics match') === true, 30_000);
    await redis.set(key, 'cached again');
    const producer = pipeline.kafka.producer();
    await producer.connect();
    try {
      await producer.send({ topic: late, messages: [{ key: update.key, value: update.value }] });
    } finally {
      await producer.disconnect();
    }
    await waitFor(async () => (await redis.exists(key)) === 0, {
      timeoutMs: 60_000,
      intervalMs: 100,
      what: `${key} deleted through ${late}, created after the service started`,
    });
    const committed = await waitForCaughtUp(pipeline, service.groupId, late);
    expect(committed.get(0)).toBe(1n);
    // The products topic went on from its committed offsets: nothing was dead-lettered.
    const metrics = await service.metrics();
    expect(metrics.value('invalidator_dead_letters_total')).toBe(0);
    expect((await service.readiness())?.status).toBe(200);
  });
});
