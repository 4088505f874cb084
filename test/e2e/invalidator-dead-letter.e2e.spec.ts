import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEAD_LETTER_HEADERS } from '#kafka';
import { endpoints, InvalidatorProcess, killAllInvalidators, waitFor } from '#local-pipeline';
import { createCdcPipeline, waitForCaughtUp, type CdcPipeline } from '../support/cdc-pipeline.js';
import { readTopicUntil } from '../support/pipeline-checks.js';
import { rowOf } from '../support/debezium-rows.js';
import { startInvalidator } from '../support/invalidator-process.js';

// A poison message in the middle of a real Debezium topic: it goes to the dead-letter topic with
// its original key, value and headers plus where it came from and why, and the partition moves on.

let pipeline: CdcPipeline;
let redis: Redis;
let service: InvalidatorProcess;

beforeAll(async () => {
  pipeline = await createCdcPipeline('dlq');
  redis = new Redis(endpoints.redisUrl);
  service = await startInvalidator({ pipeline, label: 'dlq' });
});

afterAll(async () => {
  await killAllInvalidators();
  const started: Partial<{ redis: Redis; pipeline: CdcPipeline }> = { redis, pipeline };
  if (started.redis && started.pipeline) {
    await started.redis.unlink(started.pipeline.key('product:123'));
  }
  started.redis?.disconnect();
  await started.pipeline?.close();
});

describe('a malformed message on a Debezium topic', () => {
  it('lands in the DLQ with its value and source, and the next message is still processed', async () => {
    const topic = pipeline.topics.products;
    // The partition Debezium writes product 123 to, so the update below comes after the poison.
    const snapshot = pipeline.collector.messages.find(
      (m) => m.topic === topic && m.value !== null && rowOf(m)?.id === '123',
    );
    expect(snapshot).toBeDefined();
    const partition = snapshot?.partition ?? 0;
    await waitForCaughtUp(pipeline, service.groupId, topic);

    const value = '{"before": null, "after": {"id": 123, "price": "1.00"'; // cut short
    const producer = pipeline.kafka.producer();
    await producer.connect();
    const [sent] = await producer.send({
      topic,
      messages: [
        {
          partition,
          key: '{"id":123}',
          value,
          headers: { 'trace-id': 'poison-1', origin: 'e2e' },
        },
      ],
    });
    await producer.disconnect();
    const poisonOffset = BigInt(sent?.baseOffset ?? '-1');
    expect(poisonOffset).toBeGreaterThanOrEqual(0n);

    const key = pipeline.key('product:123');
    await redis.set(key, 'cached');
    await pipeline.catalog.query('UPDATE products SET price = 79.00 WHERE id = 123');

    // The next message of the same partition is the update, and its key goes.
    const update = await pipeline.collector.waitFor(
      (m) =>
        m.topic === topic && m.value !== null && rowOf(m)?.op === 'u' && rowOf(m)?.id === '123',
    );
    expect(update.partition).toBe(partition);
    expect(BigInt(update.offset)).toBeGreaterThan(poisonOffset);
    await waitFor(async () => (await redis.exists(key)) === 0, {
      timeoutMs: 60_000,
      intervalMs: 100,
      what: 'product:123 deleted after the poison message',
    });

    const [letter, ...others] = await readTopicUntil(
      pipeline,
      service.deadLetterTopic,
      (messages) => messages.length > 0,
    );
    expect(others).toEqual([]);
    expect(letter?.key).toBe('{"id":123}');
    expect(letter?.value).toBe(value);
    expect(letter?.headers).toMatchObject({
      'trace-id': 'poison-1',
      origin: 'e2e',
      [DEAD_LETTER_HEADERS.topic]: topic,
      [DEAD_LETTER_HEADERS.partition]: String(partition),
      [DEAD_LETTER_HEADERS.offset]: String(poisonOffset),
      [DEAD_LETTER_HEADERS.errorCode]: 'DEBEZIUM_INVALID_JSON',
    });
    expect(letter?.headers[DEAD_LETTER_HEADERS.errorMessage]).toMatch(/JSON/);
    expect(Date.parse(letter?.headers[DEAD_LETTER_HEADERS.failedAt] ?? '')).not.toBeNaN();

    // Counted, the offset moved past both messages, and the service stayed ready.
    const metrics = await service.metrics();
    expect(metrics.value('invalidator_dead_letters_total')).toBe(1);
    expect(metrics.value('invalidator_dead_letters_total', { code: 'DEBEZIUM_INVALID_JSON' })).toBe(
      1,
    );
    const committed = await waitForCaughtUp(pipeline, service.groupId, topic);
    expect(committed.get(partition)).toBeGreaterThan(BigInt(update.offset));
    expect((await service.readiness())?.status).toBe(200);
    expect(service.logs.some((l) => l.msg === 'message sent to the dead-letter topic')).toBe(true);
  });
});
