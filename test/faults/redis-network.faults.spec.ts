import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { endpoints, pause, type InvalidatorProcess } from '#local-pipeline';
import { createFaultBench, runFaultCase, type FaultBench } from '../support/fault-case.js';
import { FaultProxy } from '../support/fault-proxy.js';
import { startInvalidator } from '../support/invalidator-process.js';

// A slow and flaky network between the service and Redis, through a proxy: 200 ms each way for
// 5 s, every connection reset, then a 10 s stall (connections open, nothing delivered). The
// test's own client talks to Redis directly.

let bench: FaultBench;
let proxy: FaultProxy;
let service: InvalidatorProcess;

beforeAll(async () => {
  bench = await createFaultBench('redis_net', {
    redis: new Redis(endpoints.redisUrl, { enableAutoPipelining: true }),
  });
  proxy = await FaultProxy.start({ target: { host: endpoints.host, port: endpoints.redisPort } });
  service = await startInvalidator({
    pipeline: bench.pipeline,
    label: 'redis-net',
    redis: { url: `redis://${proxy.host}:${proxy.port}` },
  });
});

afterAll(async () => {
  await bench.close();
  await proxy.close();
});

describe('slow, reset and stalled network between the service and Redis', () => {
  it('loses no invalidation', async () => {
    const result = await runFaultCase({
      fault: 'Redis network: 200 ms latency 5 s, resets, 10 s stall',
      bench,
      groupId: service.groupId,
      services: () => [service],
      inject: async () => {
        proxy.set({ kind: 'latency', ms: 200 });
        await pause(5_000);
        proxy.set({ kind: 'pass' });
        proxy.resetAll();
        await pause(1_000);
        proxy.set({ kind: 'stall' });
        await pause(10_000);
        proxy.set({ kind: 'pass' });
        return { healedAt: Date.now(), notes: [`${proxy.accepted} connections through the proxy`] };
      },
    });
    expect(result.lost).toBe(0);
    expect(result.premature).toBe(0);
  });
});
