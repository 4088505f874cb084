import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InvalidatorProcess } from '#local-pipeline';
import { createFaultBench, runFaultCase, type FaultBench } from '../support/fault-case.js';
import { startInvalidator } from '../support/invalidator-process.js';
import { startStack, stopComponent } from '../support/stack-control.js';

// PostgreSQL restarted (fast shutdown: sessions and the walsender terminated) mid-stream.
// Debezium must reconnect and resume from its slot; the stream's own UPDATEs fail while the
// server is away and are retried, so every change counted was committed.

let bench: FaultBench;
let service: InvalidatorProcess;

beforeAll(async () => {
  bench = await createFaultBench('pg_restart');
  service = await startInvalidator({ pipeline: bench.pipeline, label: 'pg-restart' });
});

afterAll(async () => {
  await bench.close();
});

describe('PostgreSQL restarted (fast shutdown) mid-stream', () => {
  it('loses no invalidation', async () => {
    const result = await runFaultCase({
      fault: 'PostgreSQL restart (fast shutdown)',
      bench,
      groupId: service.groupId,
      services: () => [service],
      inject: async () => {
        const stoppedAt = Date.now();
        await stopComponent('postgres');
        await startStack();
        const healedAt = Date.now();
        return {
          healedAt,
          notes: [`PostgreSQL down ${((healedAt - stoppedAt) / 1000).toFixed(1)} s`],
        };
      },
    });
    expect(result.lost).toBe(0);
    expect(result.premature).toBe(0);
  });
});
