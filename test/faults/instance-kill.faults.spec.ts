import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InvalidatorProcess } from '#local-pipeline';
import { createFaultBench, runFaultCase, type FaultBench } from '../support/fault-case.js';
import { startInvalidator } from '../support/invalidator-process.js';

// One of three instances SIGKILLed while the others run. Its partitions stay assigned to it until
// its session times out, so the changes on them wait: the longest lag of the stream is that gap,
// measured with the default session timeout (30 s) and with 10 s.

describe.each([30_000, 10_000])(
  'one of three instances SIGKILLed (session timeout %i ms)',
  (sessionTimeoutMs) => {
    let bench: FaultBench;
    const members: InvalidatorProcess[] = [];

    beforeAll(async () => {
      bench = await createFaultBench(`kill_${sessionTimeoutMs / 1000}s`, { productsPartitions: 6 });
      for (let i = 1; i <= 3; i += 1) {
        members.push(
          await startInvalidator({
            pipeline: bench.pipeline,
            label: `kill-${i}`,
            ...(members[0] === undefined
              ? {}
              : { groupId: members[0].groupId, deadLetterTopic: members[0].deadLetterTopic }),
            env: { INVALIDATOR_KAFKA_SESSION_TIMEOUT_MS: String(sessionTimeoutMs) },
          }),
        );
      }
    });

    afterAll(async () => {
      await bench.close();
    });

    it('loses no invalidation; the gap is about the session timeout', async () => {
      const [first, victim] = members;
      if (first === undefined || victim === undefined) throw new Error('members not started');
      const result = await runFaultCase({
        fault: `instance SIGKILL among 3 (session timeout ${sessionTimeoutMs / 1000} s)`,
        bench,
        groupId: first.groupId,
        services: () => members,
        inject: async () => {
          await victim.kill();
          // Recovery: from the kill until every change committed before it is applied.
          return { healedAt: Date.now(), notes: ['gap = max lag'] };
        },
      });
      expect(result.lost).toBe(0);
      expect(result.premature).toBe(0);
    });
  },
);
