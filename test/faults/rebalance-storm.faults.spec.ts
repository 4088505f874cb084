import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pause, type InvalidatorProcess } from '#local-pipeline';
import { createFaultBench, runFaultCase, type FaultBench } from '../support/fault-case.js';
import { startInvalidator } from '../support/invalidator-process.js';

// A rebalance storm: one instance runs throughout while three loops start and stop (SIGTERM)
// other members of its group for 27 s, each change of membership a rebalance of the six
// partitions while changes flow. A member counts once it was ready (joined): a join and a leave.

const STORM_MS = 27_000;
const CHURNERS = 3;

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
      fault: 'rebalance storm: 3 loops start and stop members for 27 s',
      bench,
      groupId: steady.groupId,
      services: () => [steady, ...churn],
      injectAfterMs: 2_000,
      inject: async () => {
        const end = Date.now() + STORM_MS;
        const joinMs: number[] = [];
        const churner = async (): Promise<void> => {
          while (Date.now() < end) {
            const startedAt = Date.now();
            const member = await startInvalidator({
              pipeline: bench.pipeline,
              label: `storm-${churn.length + 1}`,
              groupId: steady.groupId,
              deadLetterTopic: steady.deadLetterTopic,
            });
            churn.push(member);
            joinMs.push(Date.now() - startedAt);
            await pause(1_000);
            await member.stop();
          }
        };
        await Promise.all(Array.from({ length: CHURNERS }, churner));
        const rejoins = steady.logs.filter((l) => l.msg?.includes('rebalancing') === true).length;
        return {
          healedAt: Date.now(),
          notes: [
            `${churn.length} members joined and left in ${STORM_MS / 1000} s (${CHURNERS} at a time at most besides the steady one, ${Math.round(Math.max(...joinMs) / 1000)} s at most from spawn to joined); the steady member logged ${rejoins} re-joins`,
          ],
        };
      },
    });
    expect(churn.length).toBeGreaterThanOrEqual(3);
    expect(churn.every((m) => m.exitStatus?.code === 0)).toBe(true);
    expect(result.lost).toBe(0);
    expect(result.premature).toBe(0);
  });
});
