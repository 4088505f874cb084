import { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InvalidatorProcess } from '#local-pipeline';
import { createFaultBench, runFaultCase, type FaultBench } from '../support/fault-case.js';
import { startInvalidator } from '../support/invalidator-process.js';
import { ReplicatedCluster } from '../support/replicated-cluster.js';

// A Redis Cluster of three masters with a replica each: one master SIGKILLed mid-stream; after
// cluster-node-timeout (5 s) its replica is promoted. The deletes for its slots meet connection
// errors, CLUSTERDOWN and MOVED on the way and must still all be applied.

const cluster = new ReplicatedCluster();
let bench: FaultBench;
let service: InvalidatorProcess;

beforeAll(async () => {
  await cluster.reset();
  await cluster.up();
  bench = await createFaultBench('cluster_failover', {
    redis: new Cluster(cluster.nodes, { enableAutoPipelining: true }),
  });
  service = await startInvalidator({
    pipeline: bench.pipeline,
    label: 'cluster-failover',
    redis: { clusterNodes: cluster.nodes },
  });
});

afterAll(async () => {
  await bench.close();
  await cluster.reset();
});

describe('a Redis Cluster master killed, its replica promoted', () => {
  it('loses no invalidation for its slots', async () => {
    const result = await runFaultCase({
      fault: 'Redis Cluster master SIGKILL, replica promoted',
      bench,
      groupId: service.groupId,
      services: () => [service],
      inject: async () => {
        const masters = (await cluster.topology(cluster.basePort)).filter(
          (n) => n.role === 'master' && n.slots.length > 0,
        );
        const [victim, observer] = masters;
        if (victim === undefined || observer === undefined) throw new Error('no masters found');
        const killedAt = Date.now();
        await cluster.kill(victim.port);
        await cluster.waitFailover(victim.port, observer.port);
        const healedAt = Date.now();
        return {
          healedAt,
          notes: [
            `master ${victim.port} (slots ${victim.slots.join(',')}) killed; replica promoted after ${((healedAt - killedAt) / 1000).toFixed(1)} s`,
          ],
        };
      },
    });
    expect(result.lost).toBe(0);
    expect(result.premature).toBe(0);
  });
});
