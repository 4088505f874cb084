import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cluster } from 'ioredis';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import pg from 'pg';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import {
  createTopicsWithLeaders,
  DEMO_TABLES,
  dropConnector,
  endpoints,
  InvalidatorProcess,
  isolatedConnector,
  isolatedRules,
  registerConnector,
  repoPath,
  waitFor,
  waitForCaughtUp,
  type CleanupStack,
} from '#local-pipeline';
import { INTERNAL_KEY_PREFIXES } from '#cache-keys';
import { RedisClientFactory, type RedisClient } from '#redis';
import {
  createAuditCatalog,
  insertMarker,
  type AuditCatalog,
  type CatalogSize,
} from './audit-catalog-fixture.js';

/** Where the audit's loaders read, and what the service checks. */
export interface AuditPipelineOptions {
  /** Loaders read from the lagging streaming replica instead of the primary. */
  readonly replica: boolean;
  /** The online checker's windows (100 % sampling); none: no checker. */
  readonly checkWindowsMs: readonly number[];
}

/** The service of one mode: with or without invalidation markers. */
export interface ServiceSettings {
  readonly markers: boolean;
}

/** Everything between the audit's Postgres schema and its Redis keys; undone by `cleanup`. */
export interface AuditPipeline {
  readonly catalog: AuditCatalog;
  /** The pool loaders read from: the primary's, or the replica's (same schema on its path). */
  readonly readerPool: pg.Pool;
  /** The replica's `recovery_min_apply_delay` in ms; null when loaders read the primary. */
  readonly replicaDelayMs: number | null;
  readonly keyPrefix: string;
  readonly redis: RedisClient;
  readonly groupId: string;
  /** Starts a fresh service (its counters and logs are the mode's own). */
  startService(settings: ServiceSettings, signal: AbortSignal): Promise<InvalidatorProcess>;
  /** Stops the service startService started. */
  stopService(): Promise<void>;
  /** Waits until every change committed so far is invalidated and its offset committed. */
  catchUp(signal: AbortSignal): Promise<void>;
  /** Every key of the audit's prefix (entries), without leases and tag sets. */
  scanEntries(): Promise<string[]>;
  /** Deletes the audit's entries, leases and tag sets (between two modes, and at the end). */
  clearKeys(): Promise<void>;
}

/**
 * Builds the pipeline: schema and data, topics (one partition each, so a marker row orders after
 * every earlier change), connector, rules under a key prefix, the service. Every step registers
 * its undo on `cleanup` as soon as it exists.
 */
export async function createAuditPipeline(
  size: CatalogSize,
  options: AuditPipelineOptions,
  cleanup: CleanupStack,
  signal: AbortSignal,
): Promise<AuditPipeline> {
  const catalog = await createAuditCatalog(size, cleanup);
  const reader = options.replica
    ? await replicaPool(catalog, size.poolSize, cleanup, signal)
    : null;
  const { name } = catalog;
  const keyPrefix = `${name}:`;
  const redisFactory = new RedisClientFactory({
    mode: 'standalone',
    url: endpoints.redisUrl,
    connectionName: `${name}-checker`,
  });
  const redis = redisFactory.create();
  cleanup.push('close Redis', () => redisFactory.close(redis));
  const pipeline = { redis, keyPrefix } as const;
  cleanup.push('delete audit keys', () => clearKeys(pipeline));

  const admin = new Kafka({
    clientId: `${name}-audit`,
    brokers: [...endpoints.kafkaBrokers],
    logLevel: logLevel.NOTHING,
  }).admin();
  await admin.connect();
  cleanup.push('disconnect Kafka admin', () => admin.disconnect());
  const topics = DEMO_TABLES.map((table) => `${name}.${name}.${table}`);
  const deadLetterTopic = `${name}.dlq`;
  cleanup.push('delete topics', async () => {
    const existing = new Set(await admin.listTopics());
    const ours = [...topics, deadLetterTopic, `__debezium-heartbeat.${name}`];
    const found = ours.filter((topic) => existing.has(topic));
    if (found.length > 0) await admin.deleteTopics({ topics: found });
  });
  await createTopicsWithLeaders(
    admin,
    [...topics, deadLetterTopic].map((topic) => ({ topic, numPartitions: 1 })),
  );

  const dir = await mkdtemp(join(tmpdir(), `${name}-`));
  cleanup.push('remove rules directory', () => rm(dir, { recursive: true, force: true }));
  const rulesPath = join(dir, 'catalog.yaml');
  await writeFile(rulesPath, versionedRules(await isolatedRules(name, keyPrefix)));

  cleanup.push('delete connector and slot', () => dropConnector(name, catalog.pool));
  await registerConnector(await isolatedConnector(name), { signal });

  const groupId = `${name}.invalidator`;
  cleanup.push('delete consumer group', () => admin.deleteGroups([groupId]).then(() => undefined));
  const control = serviceControl(
    {
      INVALIDATOR_KAFKA_BROKERS: endpoints.kafkaBrokers.join(','),
      INVALIDATOR_KAFKA_CLIENT_ID: `${name}-invalidator`,
      INVALIDATOR_KAFKA_GROUP_ID: groupId,
      INVALIDATOR_KAFKA_TOPICS: topics.join(','),
      INVALIDATOR_DLQ_TOPIC: deadLetterTopic,
      INVALIDATOR_DATABASE_URL: catalog.databaseUrl,
      INVALIDATOR_RULES_PATH: rulesPath,
      INVALIDATOR_REDIS_URL: endpoints.redisUrl,
      // Warnings only: every inconsistency the checker finds is one, and all are kept.
      INVALIDATOR_LOG_LEVEL: 'warn',
      ...checkerEnv(options.checkWindowsMs),
    },
    cleanup,
  );
  await waitFor(() => redis.status === 'ready', {
    what: 'Redis connection',
    timeoutMs: 10_000,
    intervalMs: 100,
    signal,
  });

  return {
    catalog,
    readerPool: reader?.pool ?? catalog.pool,
    replicaDelayMs: reader?.delayMs ?? null,
    keyPrefix,
    redis,
    groupId,
    startService: control.start,
    stopService: control.stop,
    catchUp: (abort) => catchUp(catalog, control.current(), admin, groupId, topics, abort),
    scanEntries: () => scan(redis, `${keyPrefix}*`),
    clearKeys: () => clearKeys(pipeline),
  };
}

/**
 * Starts and stops the audit's service, one at a time, each with the given environment and the
 * mode's markers setting; the running one is stopped by `cleanup`.
 */
function serviceControl(
  env: Readonly<Record<string, string>>,
  cleanup: CleanupStack,
): {
  start: AuditPipeline['startService'];
  stop: AuditPipeline['stopService'];
  current: () => InvalidatorProcess;
} {
  let service: InvalidatorProcess | undefined;
  const stop = async (): Promise<void> => {
    // SIGKILL after 15 s, as a failure.
    await service?.stop(15_000);
    service = undefined;
  };
  cleanup.push('stop invalidator', stop);
  const start = async (settings: ServiceSettings, signal: AbortSignal) => {
    await stop();
    service = await InvalidatorProcess.start({
      label: 'invalidator',
      signal,
      env: { ...env, INVALIDATOR_MARKERS: String(settings.markers) },
    });
    return service;
  };
  const current = (): InvalidatorProcess => {
    if (service === undefined) throw new Error('the audit service is not running');
    return service;
  };
  return { start, stop, current };
}

/** The online checker at 100 % sampling, or none for no windows. */
function checkerEnv(windowsMs: readonly number[]): Record<string, string> {
  if (windowsMs.length === 0) return {};
  return {
    INVALIDATOR_CONSISTENCY_CHECK: 'true',
    INVALIDATOR_CONSISTENCY_SAMPLE_RATE: '1',
    INVALIDATOR_CONSISTENCY_WINDOWS_MS: windowsMs.join(','),
    // Every invalidated key, once per window: no check may be dropped for the budget.
    INVALIDATOR_CONSISTENCY_MAX_PENDING: '10000000',
    INVALIDATOR_CONSISTENCY_READS_PER_SECOND: '100000',
  };
}

/** The demo rules with products versioned by `updated_at` (the schema's trigger bumps it). */
function versionedRules(yaml: string): string {
  const document = parseYaml(yaml) as { entities: Record<string, Record<string, unknown>> };
  const product = document.entities.product;
  if (product === undefined) throw new Error('the demo rules have no product entity');
  product.version = 'updated_at';
  return stringifyYaml(document);
}

/**
 * Starts the lagging replica on demand (`stack.sh replica up`, a no-op when it runs), then opens
 * a pool on it with the audit schema on the path, once the schema has been replayed there.
 */
async function replicaPool(
  catalog: AuditCatalog,
  poolSize: number,
  cleanup: CleanupStack,
  signal: AbortSignal,
): Promise<{ pool: pg.Pool; delayMs: number }> {
  await new Promise<void>((resolve, reject) => {
    execFile('bash', [repoPath('deploy', 'local', 'stack.sh'), 'replica', 'up'], (error) => {
      if (error === null) resolve();
      else reject(new Error(`stack.sh replica up failed: ${error.message}`));
    });
  });
  const pool = new pg.Pool({
    connectionString: endpoints.postgresReplicaUrl,
    options: `-c search_path=${catalog.name}`,
    max: poolSize,
  });
  cleanup.push('close replica pool', () => pool.end());
  const { rows } = await catalog.pool.query<{ n: string }>(
    'SELECT count(*)::text AS n FROM products',
  );
  const expected = rows[0]?.n;
  await waitFor(
    async () => {
      try {
        const replayed = await pool.query<{ n: string }>(
          'SELECT count(*)::text AS n FROM products',
        );
        return replayed.rows[0]?.n === expected;
      } catch {
        return false; // the schema is not replayed yet
      }
    },
    { what: 'the audit schema on the replica', timeoutMs: 120_000, intervalMs: 100, signal },
  );
  const delay = await pool.query<{ ms: string }>(
    "SELECT setting AS ms FROM pg_settings WHERE name = 'recovery_min_apply_delay'",
  );
  return { pool, delayMs: Number(delay.rows[0]?.ms ?? 0) };
}

/**
 * A marker row goes into the products topic after every earlier change (one partition, commit
 * order); once the service counted it, every earlier change was applied. Then waits until the
 * group committed the end of each topic: nothing left that the service has not acknowledged.
 */
async function catchUp(
  catalog: AuditCatalog,
  service: InvalidatorProcess,
  admin: Admin,
  groupId: string,
  topics: readonly string[],
  signal: AbortSignal,
): Promise<void> {
  const created = async (): Promise<number> =>
    (await service.metrics()).value('invalidator_events_total', {
      entity: 'product',
      op: 'created',
    });
  const before = await created();
  await insertMarker(catalog);
  const timeoutMs = 600_000;
  await waitFor(async () => (await created()) > before, {
    what: 'the marker row through the service',
    timeoutMs,
    intervalMs: 100,
    signal,
  });
  await waitForCaughtUp(admin, groupId, topics, { timeoutMs, signal });
}

async function scan(redis: RedisClient, pattern: string): Promise<string[]> {
  if (redis instanceof Cluster) throw new Error('the audit runs on standalone Redis');
  const keys = new Set<string>();
  let cursor = '0';
  for (let round = 0; round < 1_000_000; round += 1) {
    const [next, batch] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    for (const key of batch) keys.add(key);
    cursor = next;
    if (cursor === '0') break;
  }
  return [...keys];
}

async function clearKeys(pipeline: { redis: RedisClient; keyPrefix: string }): Promise<void> {
  const { redis, keyPrefix } = pipeline;
  // Entries, then the project's own keys around them (leases, tag sets, namespace counters,
  // markers), which carry the prefix after their own.
  const internal = INTERNAL_KEY_PREFIXES.map((prefix) => `${prefix}*${keyPrefix}*`);
  for (const pattern of [`${keyPrefix}*`, ...internal]) {
    const keys = await scan(redis, pattern);
    for (let i = 0; i < keys.length; i += 500) await redis.unlink(...keys.slice(i, i + 500));
  }
}
