import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pause, type InvalidatorProcess } from '#local-pipeline';
import { createFaultBench, runFaultCase, type FaultBench } from '../support/fault-case.js';
import { startInvalidator } from '../support/invalidator-process.js';

// A rebalance storm: one instance runs throughout while others of its group are started and
// stopped (SIGTERM) one after the other for 20 s, each change of membership a rebalance of the
// six partitions while changes flow.

const STORM_MS = 20_000;

let bench: FaultBench;
let steady: InvalidatorProcess;
const churn: InvalidatorProcess[] = [];

beforeAll(async () => {
  bench = await createFaultBench('storm', { productsPartitions: 6 });
  steady = await startInvalidator({ pipeline: bench.pipeline, label: 'storm-steady' });
});

afterAll(async () => {
  await bench.close();
});

describe('a rebalance storm while changes flow', () => {
  it('loses no invalidation', async () => {
    const result = await runFaultCase({
      fault: 'rebalance storm: members started and stopped for 20 s',
      bench,
      groupId: steady.groupId,
      services: () => [steady, ...churn],
      injectAfterMs: 3_000,
      inject: async () => {
        const end = Date.now() + STORM_MS;
        while (Date.now() < end) {
          const member = await startInvalidator({
            pipeline: bench.pipeline,
            label: `storm-${churn.length + 1}`,
            groupId: steady.groupId,
            deadLetterTopic: steady.deadLetterTopic,
          });
          churn.push(member);
          await pause(2_000);
          await member.stop();
        }
        return { healedAt: Date.now(), notes: [`${churn.length} members joined and left`] };
      },
    });
    expect(churn.length).toBeGreaterThanOrEqual(3);
    expect(churn.every((m) => m.exitStatus?.code === 0)).toBe(true);
    expect(result.lost).toBe(0);
    expect(result.premature).toBe(0);
  });
});
