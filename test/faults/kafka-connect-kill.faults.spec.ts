import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InvalidatorProcess } from '#local-pipeline';
import { createFaultBench, runFaultCase, type FaultBench } from '../support/fault-case.js';
import { startInvalidator } from '../support/invalidator-process.js';
import { killAndRestart } from '../support/stack-control.js';

// The Kafka Connect worker SIGKILLed mid-stream and started again 10 s later: Debezium resumes
// from the offsets it flushed, the replication slot held the WAL since, so changes may arrive
// twice but none may be missing.

let bench: FaultBench;
let service: InvalidatorProcess;

beforeAll(async () => {
  bench = await createFaultBench('connect_kill');
  service = await startInvalidator({ pipeline: bench.pipeline, label: 'connect-kill' });
});

afterAll(async () => {
  await bench.close();
});

describe('Kafka Connect worker killed and restarted mid-stream', () => {
  it('loses no invalidation', async () => {
    const result = await runFaultCase({
      fault: 'Kafka Connect worker SIGKILL, restarted after 10 s',
      bench,
      groupId: service.groupId,
      services: () => [service],
      inject: async () => {
        const { restartedAt, downAt } = await killAndRestart('connect', 10_000);
        return {
          healedAt: restartedAt,
          notes: [
            `Connect down ${((restartedAt - downAt) / 1000).toFixed(1)} s (restart included)`,
          ],
        };
      },
    });
    expect(result.lost).toBe(0);
    expect(result.premature).toBe(0);
  });
});
