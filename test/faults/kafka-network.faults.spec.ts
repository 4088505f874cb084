import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { endpoints, pause, type InvalidatorProcess } from '#local-pipeline';
import { createFaultBench, runFaultCase, type FaultBench } from '../support/fault-case.js';
import { FaultProxy } from '../support/fault-proxy.js';
import { startInvalidator } from '../support/invalidator-process.js';

// A slow and flaky network between the service and Kafka. The broker advertises its second
// listener on the proxy's port (deploy/local/components/kafka.sh), so metadata sends the client
// back through the proxy: 200 ms each way for 5 s, every connection reset, then a 10 s stall.

let bench: FaultBench;
let proxy: FaultProxy;
let service: InvalidatorProcess;

beforeAll(async () => {
  bench = await createFaultBench('kafka_net');
  proxy = await FaultProxy.start({
    port: endpoints.kafkaProxyPort,
    target: { host: endpoints.host, port: endpoints.kafkaProxiedPort },
  });
  service = await startInvalidator({
    pipeline: bench.pipeline,
    label: 'kafka-net',
    env: { INVALIDATOR_KAFKA_BROKERS: `${endpoints.host}:${proxy.port}` },
  });
});

afterAll(async () => {
  await bench.close();
  await proxy.close();
});

describe('slow, reset and stalled network between the service and Kafka', () => {
  it('loses no invalidation', async () => {
    const result = await runFaultCase({
      fault: 'Kafka network: 200 ms latency 5 s, resets, 10 s stall',
      bench,
      groupId: service.groupId,
      services: () => [service],
      inject: async () => {
        const before = proxy.accepted;
        proxy.set({ kind: 'latency', ms: 200 });
        await pause(5_000);
        proxy.set({ kind: 'pass' });
        proxy.resetAll();
        await pause(1_000);
        proxy.set({ kind: 'stall' });
        await pause(10_000);
        proxy.set({ kind: 'pass' });
        return {
          healedAt: Date.now(),
          notes: [`${proxy.accepted - before} new connections through the proxy during the fault`],
        };
      },
    });
    // The service did reach Kafka only through the proxy.
    expect(proxy.accepted).toBeGreaterThan(0);
    expect(result.lost).toBe(0);
    expect(result.premature).toBe(0);
  });
});
