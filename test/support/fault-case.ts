import { Redis, type Cluster } from 'ioredis';
import { endpoints, killAllInvalidators, pause, type InvalidatorProcess } from '#local-pipeline';
import {
  createCdcPipeline,
  waitForCaughtUp,
  type CdcPipeline,
  type CdcPipelineOptions,
} from './cdc-pipeline.js';
import {
  ReadinessWatch,
  recordFaultResult,
  serviceNotes,
  type FaultResult,
} from './fault-results.js';
import { KeyStore, SteadyStream, type SteadyStreamOptions } from './steady-stream.js';

/** A pipeline of its own, a steady stream on it and the Redis its keys live in. */
export interface FaultBench {
  readonly pipeline: CdcPipeline;
  readonly stream: SteadyStream;
  readonly redis: Redis | Cluster;
  close(): Promise<void>;
}

export interface FaultBenchOptions extends SteadyStreamOptions, CdcPipelineOptions {
  /** The test's client of the Redis the service deletes from. @default the stack's standalone */
  readonly redis?: Redis | Cluster;
}

/** Creates the pipeline and inserts the stream's rows (their keys are cached later). */
export async function createFaultBench(
  label: string,
  options: FaultBenchOptions = {},
): Promise<FaultBench> {
  const pipeline = await createCdcPipeline(label, {
    ...(options.productsPartitions === undefined
      ? {}
      : { productsPartitions: options.productsPartitions }),
    // As in production (deploy/debezium): a task stopped by a broker or Connect outage must keep
    // its slot, or the WAL since its last offset is gone. The pipeline's close drops the slot.
    connectorOverrides: { 'slot.drop.on.stop': 'false' },
  });
  const redis = options.redis ?? new Redis(endpoints.redisUrl, { enableAutoPipelining: true });
  redis.on('error', () => undefined); // the watcher retries; a fault may hit the test's client
  const stream = new SteadyStream(pipeline, new KeyStore(redis), options);
  try {
    await stream.insertRows();
  } catch (error) {
    redis.disconnect();
    await pipeline.close();
    throw error;
  }
  return {
    pipeline,
    stream,
    redis,
    async close() {
      await killAllInvalidators();
      await stream.removeKeys().catch(() => undefined);
      redis.disconnect();
      await pipeline.close();
    },
  };
}

/** What the fault injection reports back to {@link runFaultCase}. */
export interface Injected {
  /** When the fault ended (server back, proxy healed, last instance change). */
  readonly healedAt: number;
  /** Observations to add to the result's notes. */
  readonly notes?: readonly string[];
}

export interface FaultCaseOptions {
  /** The row of the results table. */
  readonly fault: string;
  readonly bench: FaultBench;
  /** The group whose commits are checked (no offset committed before its key is gone). */
  readonly groupId: string;
  /** The services to watch (readiness, logs, metrics); read again at each poll. */
  readonly services: () => readonly InvalidatorProcess[];
  /** Injects the fault and resolves once it is over. */
  readonly inject: () => Promise<Injected>;
  /** Into the stream. @default 10000 */
  readonly injectAfterMs?: number;
  /** How long the keys may take to go after the stream. @default 180000 */
  readonly settleTimeoutMs?: number;
}

/**
 * Waits until the service has applied the inserts, caches every key, then runs the stream and
 * injects the fault `injectAfterMs` into it; records the result once every key is gone (or the
 * settle timeout passed, the rest counted as lost).
 */
export async function runFaultCase(options: FaultCaseOptions): Promise<FaultResult> {
  const { bench, groupId } = options;
  const { stream, pipeline } = bench;
  // Every topic: the categories stream's products were inserted too, and their create events
  // delete the keys they name.
  for (const topic of Object.values(pipeline.topics)) {
    await waitForCaughtUp(pipeline, groupId, topic, 180_000);
  }
  const cached = await stream.cacheAll();
  if (cached !== stream.ids.length) {
    throw new Error(`only ${cached} of ${stream.ids.length} keys could be cached`);
  }
  const readiness = new ReadinessWatch(options.services);
  const running = stream.run({ groupId });
  await pause(options.injectAfterMs ?? 10_000);
  const injected = await options.inject();
  await running;
  const outcome = await stream.settle(options.settleTimeoutMs ?? 180_000);
  const notes = [
    ...(injected.notes ?? []),
    await readiness.stop(),
    ...(await serviceNotes(options.services())),
  ];
  return recordFaultResult(options.fault, outcome, stream.recoveryMs(injected.healedAt), notes);
}
