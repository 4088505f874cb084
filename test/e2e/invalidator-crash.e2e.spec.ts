import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { endpoints, InvalidatorProcess, killAllInvalidators, waitFor } from '#local-pipeline';
import { createCdcPipeline, waitForCaughtUp, type CdcPipeline } from '../support/cdc-pipeline.js';
import { existingKeys, keysBehindCommittedOffsets } from '../support/pipeline-checks.js';
import { startInvalidator } from '../support/invalidator-process.js';

// SIGKILL in the middle of a stream of 1,000 updates: no shutdown hook runs, whatever was fetched
// and not committed is fetched again by the next process of the group, and no key survives.

const FIRST_ID = 100_000;
const COUNT = 1_000;
const HALF = COUNT / 2;
const ids = Array.from({ length: COUNT }, (_, i) => String(FIRST_ID + i));

let pipeline: CdcPipeline;
let redis: Redis;
let service: InvalidatorProcess;

const keyOf = (id: string) => pipeline.key(`product:${id}`);

const existing = (keys: readonly string[]) => existingKeys(redis, keys);

beforeAll(async () => {
  pipeline = await createCdcPipeline('crash');
  redis = new Redis(endpoints.redisUrl);
  await pipeline.insertProducts(FIRST_ID, COUNT);
  service = await startInvalidator({
    pipeline,
    label: 'crash',
    // The killed member stays in the group until its session expires; keep that short.
    env: { INVALIDATOR_KAFKA_SESSION_TIMEOUT_MS: '10000', INVALIDATOR_CHUNK_SIZE: '50' },
  });
});

afterAll(async () => {
  await killAllInvalidators();
  const started: Partial<{ redis: Redis; pipeline: CdcPipeline }> = { redis, pipeline };
  if (started.redis && started.pipeline) await started.redis.unlink(...ids.map(keyOf));
  started.redis?.disconnect();
  await started.pipeline?.close();
});

describe('the service killed with SIGKILL mid-stream and started again', () => {
  it('deletes every one of the 1,000 keys', async () => {
    const topic = pipeline.topics.products;
    await waitForCaughtUp(pipeline, service.groupId, topic);
    const keys = ids.map(keyOf);
    await redis.mset(...keys.flatMap((key) => [key, 'cached']));
    expect(await existing(keys)).toHaveLength(COUNT);

    // First half of the stream, 50 rows per statement; the kill comes as soon as the service has
    // deleted something, while it is still working through it.
    await pipeline.updatePrices(FIRST_ID, FIRST_ID + HALF - 1, 50);
    const firstHalf = keys.slice(0, HALF);
    await waitFor(async () => (await existing(firstHalf)).length < HALF, {
      timeoutMs: 60_000,
      intervalMs: 20,
      what: 'the first deletes of the stream',
    });
    const exit = await service.kill();
    const leftAtKill = (await existing(firstHalf)).length;
    expect(exit.signal).toBe('SIGKILL');

    // Nothing committed beyond what was deleted, even by a process that never shut down.
    const updated = new Set(ids);
    expect(
      await keysBehindCommittedOffsets(pipeline, service.groupId, updated, keyOf, existing),
    ).toEqual([]);

    // The rest of the stream arrives while no instance runs.
    await pipeline.updatePrices(FIRST_ID + HALF, FIRST_ID + COUNT - 1, 50);
    const restarted = await service.restart();
    const restartedAt = Date.now();
    const premature: string[] = [];
    await waitFor(
      async () => {
        for (const v of await keysBehindCommittedOffsets(
          pipeline,
          restarted.groupId,
          updated,
          keyOf,
          existing,
        )) {
          premature.push(v.key);
        }
        return (await existing(keys)).length === 0;
      },
      { timeoutMs: 120_000, intervalMs: 100, what: 'all 1,000 keys deleted after the restart' },
    );
    expect(premature).toEqual([]);
    await waitForCaughtUp(pipeline, restarted.groupId, topic);
    console.info(
      `sigkill: ${leftAtKill} of the first ${HALF} keys left at the kill; all ${COUNT} gone ${Date.now() - restartedAt} ms after the restart was ready`,
    );
  });
});
