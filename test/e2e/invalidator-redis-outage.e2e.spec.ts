import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, InvalidatorProcess, killAllInvalidators, waitFor } from '#local-pipeline';
import { createCdcPipeline, waitForCaughtUp, type CdcPipeline } from '../support/cdc-pipeline.js';
import { rowOf } from '../support/debezium-rows.js';
import { startInvalidator } from '../support/invalidator-process.js';
import { COUNT, FIRST_ID, UpdateStream } from '../support/update-stream.js';

// Redis stopped for about ten seconds while 1,000 distinct products change. A redis-server of the
// test's own (RDB in a directory of its own) is shut down with SAVE and started again on the same
// port and directory, so the 1,000 cached keys come back from disk and must then be deleted: the
// service may neither skip the changes nor commit their offsets while Redis is away.

const OUTAGE_MS = 10_000;

/** A redis-server of this test's own, with RDB persistence in `dir`. */
class DedicatedRedis {
  private child: ChildProcess | null = null;
  private exited: Promise<void> = Promise.resolve();

  constructor(
    readonly port: number,
    readonly dir: string,
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const child = spawn(
      'redis-server',
      [
        ...['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir],
        ...['--dbfilename', 'dump.rdb', '--save', '', '--appendonly', 'no'],
      ],
      { stdio: 'ignore' },
    );
    this.child = child;
    this.exited = new Promise((resolve) => {
      child.once('exit', () => {
        resolve();
      });
    });
    const probe = new Redis({ port: this.port, lazyConnect: true, retryStrategy: () => null });
    probe.on('error', () => undefined); // refused until the server listens
    try {
      await waitFor(
        async () => {
          if (probe.status !== 'ready') await probe.connect().catch(() => undefined);
          await probe.ping();
          return true;
        },
        { timeoutMs: 15_000, intervalMs: 100, what: `redis-server on ${this.port}` },
      );
    } finally {
      probe.disconnect();
    }
  }

  /** `SHUTDOWN SAVE`: writes the RDB, then exits; resolves once the process is gone. */
  async shutdownSave(client: Redis): Promise<void> {
    await client.call('SHUTDOWN', 'SAVE').catch(() => undefined); // the connection just closes
    await this.exited;
    this.child = null;
  }

  async kill(): Promise<void> {
    this.child?.kill('SIGKILL');
    await this.exited;
    this.child = null;
  }
}

let pipeline: CdcPipeline;
let dataDir: string;
let server: DedicatedRedis;
let client: Redis;
let stream: UpdateStream;
let service: InvalidatorProcess;

beforeAll(async () => {
  pipeline = await createCdcPipeline('outage');
  dataDir = await mkdtemp(join(tmpdir(), `${pipeline.name}-redis-`));
  server = new DedicatedRedis(await freePort(), dataDir);
  await server.start();
  client = new Redis({ port: server.port, maxRetriesPerRequest: 1 });
  client.on('error', () => undefined); // expected while the server is down
  stream = new UpdateStream(pipeline, client);
  await pipeline.insertProducts(FIRST_ID, COUNT);
  service = await startInvalidator({
    pipeline,
    label: 'outage',
    redis: { url: server.url },
  });
});

afterAll(async () => {
  await killAllInvalidators();
  const started: Partial<{ client: Redis; server: DedicatedRedis; pipeline: CdcPipeline }> = {
    client,
    server,
    pipeline,
  };
  started.client?.disconnect();
  await started.server?.kill();
  if (typeof dataDir === 'string') await rm(dataDir, { recursive: true, force: true });
  await started.pipeline?.close();
});

describe('Redis stopped for ~10 s while 1,000 products are updated', () => {
  it('commits nothing while Redis is away and deletes every key once it is back', async () => {
    const topic = pipeline.topics.products;
    // The 1,000 inserts are applied (their keys did not exist yet): only now are keys cached.
    const before = await waitForCaughtUp(pipeline, service.groupId, topic);
    expect(await stream.cacheAll()).toBe(COUNT);

    await server.shutdownSave(client);
    const outageStart = Date.now();
    expect((await stat(join(dataDir, 'dump.rdb'))).size).toBeGreaterThan(0);

    await pipeline.updatePrices(FIRST_ID, FIRST_ID + COUNT - 1, 100);
    const updatedIds = new Set(stream.ids);
    await waitFor(
      () =>
        pipeline.collector.messages.filter((m) => {
          const row = m.topic === topic ? rowOf(m) : null;
          return row?.op === 'u' && updatedIds.has(row.id);
        }).length >= COUNT,
      { timeoutMs: 60_000, intervalMs: 100, what: '1,000 update events in Kafka' },
    );

    const notReady = await service.waitNotReady();
    expect(notReady).toMatchObject({ status: 'not ready', checks: { kafka: 'joined' } });
    expect(JSON.stringify(notReady.checks)).not.toContain('"redis":"reachable"');
    await waitFor(
      async () =>
        (await service.metrics()).value('invalidator_retries_total', {
          operation: 'redis invalidation',
        }) > 0,
      { timeoutMs: 60_000, intervalMs: 200, what: 'the service retrying the Redis invalidation' },
    );

    // For the rest of the outage: no committed offset moves past where it was before it.
    const moved: string[] = [];
    await waitFor(
      async () => {
        const now = await pipeline.committedOffsets(service.groupId, topic);
        for (const [partition, offset] of now) {
          const was = before.get(partition) ?? -1n;
          if (offset > was) moved.push(`partition ${partition}: ${was} -> ${offset}`);
        }
        return Date.now() - outageStart >= OUTAGE_MS;
      },
      { timeoutMs: OUTAGE_MS + 30_000, intervalMs: 250, what: 'the end of the outage' },
    );
    expect(moved).toEqual([]);
    expect((await service.readiness())?.status).toBe(503);

    const logsBeforeRestart = service.logs.length;
    await server.start();
    const restartedAt = Date.now();
    const premature: string[] = [];
    await stream.waitAllDeleted(
      service.groupId,
      'all 1,000 keys deleted after Redis returned',
      premature,
    );
    const deleteMs = Date.now() - restartedAt;
    expect(premature).toEqual([]);

    // The keys came back from the RDB and the service removed each of them (its log lines are
    // read from a pipe, so they may arrive a little after the deletes).
    const removedSinceRestart = () =>
      service.logs
        .slice(logsBeforeRestart)
        .filter((l) => l.msg === 'invalidated')
        .reduce((sum, l) => sum + Number(l.removed ?? 0), 0);
    const removed = await waitFor(() => removedSinceRestart() >= COUNT && removedSinceRestart(), {
      timeoutMs: 10_000,
      what: `"invalidated" log lines adding up to ${COUNT} removed keys`,
    }).catch(() => removedSinceRestart());
    expect(removed).toBe(COUNT);

    await service.waitReady(30_000);
    const after = await waitForCaughtUp(pipeline, service.groupId, topic);
    for (const [partition, offset] of after) {
      expect(offset).toBeGreaterThan(before.get(partition) ?? -1n);
    }
    console.info(
      `redis outage: ${Date.now() - outageStart} ms in all; 1,000 keys deleted ${deleteMs} ms after redis-server restarted`,
    );
  });
});
