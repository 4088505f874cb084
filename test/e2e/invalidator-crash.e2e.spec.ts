import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { endpoints, InvalidatorProcess, killAllInvalidators } from '#local-pipeline';
import { createCdcPipeline, waitForCaughtUp, type CdcPipeline } from '../support/cdc-pipeline.js';
import { startInvalidator } from '../support/invalidator-process.js';
import { closeStream, COUNT, FIRST_ID, HALF, UpdateStream } from '../support/update-stream.js';

// SIGKILL in the middle of a stream of 1,000 updates: no shutdown hook runs, whatever was fetched
// and not committed is fetched again by the next process of the group, and no key survives.

let pipeline: CdcPipeline;
let redis: Redis;
let stream: UpdateStream;
let service: InvalidatorProcess;

beforeAll(async () => {
  pipeline = await createCdcPipeline('crash');
  redis = new Redis(endpoints.redisUrl);
  stream = new UpdateStream(pipeline, redis);
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
  await closeStream({ redis, pipeline, stream });
});

describe('the service killed with SIGKILL mid-stream and started again', () => {
  it('deletes every one of the 1,000 keys', async () => {
    const topic = pipeline.topics.products;
    await waitForCaughtUp(pipeline, service.groupId, topic);
    expect(await stream.cacheAll()).toBe(COUNT);

    // First half of the stream, 50 rows per statement; the kill comes as soon as the service has
    // deleted something, while it is still working through it.
    await stream.updateFirstHalf();
    const exit = await service.kill();
    const leftAtKill = await stream.leftInFirstHalf();
    expect(exit.signal).toBe('SIGKILL');

    // Nothing committed beyond what was deleted, even by a process that never shut down.
    expect(await stream.behindCommitted(service.groupId)).toEqual([]);

    // The rest of the stream arrives while no instance runs.
    await stream.updateSecondHalf();
    const restarted = await service.restart();
    const restartedAt = Date.now();
    const premature: string[] = [];
    await stream.waitAllDeleted(
      restarted.groupId,
      'all 1,000 keys deleted after the restart',
      premature,
    );
    expect(premature).toEqual([]);
    await waitForCaughtUp(pipeline, restarted.groupId, topic);
    console.info(
      `sigkill: ${leftAtKill} of the first ${HALF} keys left at the kill; all ${COUNT} gone ${Date.now() - restartedAt} ms after the restart was ready`,
    );
  });
});
