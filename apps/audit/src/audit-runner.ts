import { CacheClient, type CacheEvent } from '#cache-client';
import { endpoints, histogramDelta, waitFor, type LagDistribution } from '#local-pipeline';
import { RedisClientFactory } from '#redis';
import type { AuditMode, AuditOptions } from './audit-options.js';
import type { AuditPipeline } from './audit-pipeline.js';
import { CatalogLoader } from './catalog-loader.js';
import { checkerVerdict, type CheckerVerdict } from './checker-verdict.js';
import { NaiveCache, type ReadThroughCache } from './naive-cache.js';
import { checkStaleness, type StaleReport } from './stale-checker.js';
import { runWorkload, type WorkloadResult } from './workload-runner.js';

/** What one mode measured. */
export interface ModeReport {
  readonly mode: AuditMode;
  /** Whether the service left invalidation markers in this mode. */
  readonly markers: boolean;
  readonly workload: WorkloadResult;
  readonly cache: Partial<Record<CacheEvent, number>>;
  /** Seconds from the end of the workload until the group had committed everything. */
  readonly catchUpSeconds: number;
  readonly lag: LagDistribution;
  readonly deadLetters: number;
  readonly stale: StaleReport;
  /** The service's online checker over the same run, next to the audit's ground truth. */
  readonly checker: CheckerVerdict;
}

const LAG_HISTOGRAM = 'invalidator_invalidation_lag_seconds';
const REDIS_TIMEOUT_MS = 50;

/**
 * One mode on a clean prefix and a fresh service (markers only for `versioned`): workload, then
 * every fill settled, then the service caught up and its checker done with every window, then
 * every cached entry compared with the primary database.
 */
export async function runMode(
  pipeline: AuditPipeline,
  mode: AuditMode,
  options: AuditOptions,
  signal: AbortSignal,
): Promise<ModeReport> {
  const markers = mode === 'versioned';
  const service = await pipeline.startService({ markers }, signal);
  await pipeline.catchUp(signal);
  await pipeline.clearKeys();
  const factory = new RedisClientFactory({
    mode: 'standalone',
    url: endpoints.redisUrl,
    connectionName: `${pipeline.catalog.name}-${mode}`,
  });
  const redis = factory.create();
  try {
    await waitFor(() => redis.status === 'ready', {
      what: 'reader Redis connection',
      timeoutMs: 10_000,
      intervalMs: 100,
      signal,
    });
    const { slowLoadMs, slowLoadPercent } = options;
    const loader = new CatalogLoader(pipeline.readerPool, () =>
      Math.random() * 100 < slowLoadPercent ? Math.random() * slowLoadMs : 0,
    );
    const settings = {
      prefix: pipeline.keyPrefix,
      ttlSeconds: options.ttlSeconds,
      redisTimeoutMs: REDIS_TIMEOUT_MS,
    };
    const cache: ReadThroughCache =
      mode === 'naive' ? new NaiveCache(redis, settings) : CacheClient.forRedis(redis, settings);
    const before = await service.metrics();
    const workload = await runWorkload(cache, loader, pipeline.catalog, options, signal);
    await cache.idle();
    const caughtUpFrom = Date.now();
    await pipeline.catchUp(signal);
    const catchUpSeconds = (Date.now() - caughtUpFrom) / 1000;
    const after = await service.metrics();
    const keys = await pipeline.scanEntries();
    const stale = await checkStaleness(
      pipeline.redis,
      pipeline.keyPrefix,
      keys,
      new CatalogLoader(pipeline.catalog.pool),
    );
    const checker = await checkerVerdict(service, stale.staleKeys, options.checkWindowsMs, signal);
    return {
      mode,
      markers,
      workload,
      cache: cache.stats(),
      catchUpSeconds,
      lag: histogramDelta(before.buckets(LAG_HISTOGRAM), after.buckets(LAG_HISTOGRAM)),
      deadLetters:
        after.value('invalidator_dead_letters_total') -
        before.value('invalidator_dead_letters_total'),
      stale,
      checker,
    };
  } finally {
    await factory.close(redis);
    await pipeline.stopService();
  }
}
