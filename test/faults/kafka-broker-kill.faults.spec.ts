import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InvalidatorProcess } from '#local-pipeline';
import { createFaultBench, runFaultCase, type FaultBench } from '../support/fault-case.js';
import { startInvalidator } from '../support/invalidator-process.js';
import { killAndRestart } from '../support/stack-control.js';

// The only Kafka broker SIGKILLed mid-stream and started again after 10 s: Debezium's producer
// and the service's consumer both lose their broker; nothing uncommitted may be skipped.

let bench: FaultBench;
let service: InvalidatorProcess;

beforeAll(async () => {
  bench = await createFaultBench('broker_kill');
  service = await startInvalidator({ pipeline: bench.pipeline, label: 'broker-kill' });
});

afterAll(async () => {
  await bench.close();
});

describe('Kafka broker killed and restarted after 10 s', () => {
  it('loses no invalidation', async () => {
    const result = await runFaultCase({
      fault: 'Kafka broker SIGKILL, restarted after 10 s',
      bench,
      groupId: service.groupId,
      services: () => [service],
      inject: async () => {
        const { restartedAt, downAt } = await killAndRestart('kafka', 10_000);
        return {
          healedAt: restartedAt,
          notes: [`broker down ${((restartedAt - downAt) / 1000).toFixed(1)} s (restart included)`],
        };
      },
    });
    expect(result.lost).toBe(0);
    expect(result.premature).toBe(0);
    expect(service.alive).toBe(true);
  });
});
