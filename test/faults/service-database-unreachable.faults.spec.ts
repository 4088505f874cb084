import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { endpoints, pause, type InvalidatorProcess } from '#local-pipeline';
import { createFaultBench, runFaultCase, type FaultBench } from '../support/fault-case.js';
import { FaultProxy } from '../support/fault-proxy.js';
import { startInvalidator } from '../support/invalidator-process.js';

// The service's own PostgreSQL connection (cascade lookups) cut for 10 s through a proxy that
// resets every connection and refuses new ones, while Debezium keeps streaming category changes.
// Each category has one product whose key only the lookup finds, so a lookup skipped or answered
// from nothing is a lost invalidation.

const OUTAGE_MS = 10_000;

let bench: FaultBench;
let proxy: FaultProxy;
let service: InvalidatorProcess;

beforeAll(async () => {
  bench = await createFaultBench('db_cut', { target: 'categories' });
  const database = new URL(bench.pipeline.databaseUrl);
  proxy = await FaultProxy.start({
    target: { host: endpoints.host, port: Number(database.port) },
  });
  database.port = String(proxy.port);
  service = await startInvalidator({
    pipeline: bench.pipeline,
    label: 'db-cut',
    env: { INVALIDATOR_DATABASE_URL: database.toString() },
  });
});

afterAll(async () => {
  await bench.close();
  await proxy.close();
});

describe("the service's PostgreSQL unreachable for 10 s", () => {
  it('loses no cascade invalidation', async () => {
    const result = await runFaultCase({
      fault: "service's PostgreSQL (cascade lookups) unreachable 10 s",
      bench,
      groupId: service.groupId,
      services: () => [service],
      inject: async () => {
        proxy.set({ kind: 'down' });
        await pause(OUTAGE_MS);
        proxy.set({ kind: 'pass' });
        return { healedAt: Date.now() };
      },
    });
    expect(result.lost).toBe(0);
  });
});
