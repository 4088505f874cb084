import { keySlot, leasePatternFor } from '#cache-keys';
import {
  execPipeline,
  isCluster,
  mastersOf,
  type RedisClient,
  settleAll,
  sumReplies,
  toRedisError,
} from '#redis';
import type { Redis } from 'ioredis';
import { RedisSweepAbortedError } from './redis-invalidation.errors.js';
import { type Clock, ScanRateLimiter, systemClock } from './scan-rate-limiter.js';
import { planUnlinkBatches } from './unlink-batches.js';

/** Tuning of {@link PatternSweeper}. */
export interface PatternSweeperOptions {
  /** `SCAN ... COUNT` hint: keys examined per call, which bounds each call's server time. @default 100 */
  scanCount?: number;
  /** Keys examined per second per server, across pages; `Infinity` disables pacing. @default 20000 */
  maxScannedKeysPerSecond?: number;
  /** Keys per `UNLINK` of the matches. @default 250 */
  batchSize?: number;
  /** Time source for pacing. @default real time */
  clock?: Clock;
}

/** Result of {@link PatternSweeper.sweep}. */
export interface PatternResult {
  /** Patterns swept. */
  patterns: number;
  /** Keys that matched a pattern and were unlinked (leases not counted). */
  matches: number;
  /** Keys removed, leases included. */
  removed: number;
}

/**
 * Deletes keys by glob pattern with `SCAN MATCH` on every master (never `KEYS`, never `FLUSHDB`):
 * each page's matches are unlinked with their leases before the next page, on the node that holds
 * them, one slot per command in a cluster. A second pass over {@link leasePatternFor} removes leases
 * of matching keys that are not filled yet, which voids fills in flight. Pages are paced by a
 * {@link ScanRateLimiter} so that a sweep of a large keyspace never monopolises a server.
 */
export class PatternSweeper {
  private readonly scanCount: number;
  private readonly perSecond: number;
  private readonly batchSize: number;
  private readonly clock: Clock;

  constructor(
    private readonly client: RedisClient,
    options: PatternSweeperOptions = {},
  ) {
    this.scanCount = options.scanCount ?? 100;
    this.perSecond = options.maxScannedKeysPerSecond ?? 20_000;
    this.batchSize = options.batchSize ?? 250;
    this.clock = options.clock ?? systemClock;
  }

  /**
   * Sweeps every pattern in `patterns` (deduplicated), one after the other, masters in parallel.
   * `signal` stops the sweep between two pages with a {@link RedisSweepAbortedError}.
   */
  async sweep(patterns: Iterable<string>, signal?: AbortSignal): Promise<PatternResult> {
    const distinct = [...new Set(patterns)];
    const total: PatternResult = { patterns: distinct.length, matches: 0, removed: 0 };
    for (const pattern of distinct) {
      const perNode = await settleAll(
        mastersOf(this.client).map(async (node) => {
          const keys = await this.sweepNode(node, pattern, true, signal);
          const leases = await this.sweepNode(node, leasePatternFor(pattern), false, signal);
          return { matches: keys.matches, removed: keys.removed + leases.removed };
        }),
        `sweep ${pattern}`,
      );
      for (const result of perNode) {
        total.matches += result.matches;
        total.removed += result.removed;
      }
    }
    return total;
  }

  private async sweepNode(
    node: Redis,
    match: string,
    withLeases: boolean,
    signal: AbortSignal | undefined,
  ): Promise<{ matches: number; removed: number }> {
    const limiter = new ScanRateLimiter(this.perSecond, this.clock);
    const slotOf = isCluster(this.client) ? { slotOf: keySlot } : {};
    let matches = 0;
    let removed = 0;
    let cursor = '0';
    do {
      if (signal?.aborted === true) throw new RedisSweepAbortedError(match);
      let page: string[];
      try {
        [cursor, page] = await node.scan(cursor, 'MATCH', match, 'COUNT', this.scanCount);
      } catch (error) {
        throw toRedisError(error, `SCAN MATCH ${match}`);
      }
      const batches = planUnlinkBatches(page, { batchSize: this.batchSize, withLeases, ...slotOf });
      if (batches.length > 0) {
        const pipeline = node.pipeline();
        for (const batch of batches) pipeline.unlink(...batch.keys);
        removed += sumReplies(await execPipeline(pipeline, `UNLINK matches of ${match}`));
        matches += new Set(page).size;
      }
      await limiter.take(this.scanCount);
    } while (cursor !== '0');
    return { matches, removed };
  }
}
