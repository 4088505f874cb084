import { isInternalKey } from '#cache-keys';
import { execPipeline, mastersOf, type RedisClient, toRedisError, waitUntilReady } from '#redis';
import type { Redis } from 'ioredis';
import { type Clock, ScanRateLimiter, systemClock } from './scan-rate-limiter.js';

/** Tuning of {@link KeySampler}; the pacing defaults are the pattern sweeper's. */
export interface KeySamplerOptions {
  /** `SCAN ... COUNT` hint per call. @default 100 */
  scanCount?: number;
  /** Keys examined per second per server, across pages; `Infinity` disables pacing. @default 20000 */
  maxScannedKeysPerSecond?: number;
  /** Time to wait for the connection before failing. @default 10000 */
  connectTimeoutMs?: number;
  /** Time source for pacing. @default real time */
  clock?: Clock;
}

/** One sampled key and its time to live in seconds (null: no expiry). */
export interface SampledKey {
  readonly key: string;
  readonly ttlSeconds: number | null;
}

/** What {@link KeySampler.sample} looks for. */
export interface SampleRequest {
  /** Keys wanted at most, across all masters. */
  readonly limit: number;
  /** `SCAN MATCH` glob. @default '*' */
  readonly match?: string;
}

/**
 * Samples a live keyspace read-only with `SCAN` (never `KEYS`), paced like the pattern sweeper
 * by a {@link ScanRateLimiter} per server, so it is safe to run against a production Redis. In a
 * cluster every master contributes up to an equal share. Skips the project's own lease and
 * tag-set keys (`isInternalKey`), and reads each key's TTL in one pipeline per page.
 */
export class KeySampler {
  private readonly scanCount: number;
  private readonly perSecond: number;
  private readonly connectTimeoutMs: number;
  private readonly clock: Clock;

  constructor(
    private readonly client: RedisClient,
    options: KeySamplerOptions = {},
  ) {
    this.scanCount = options.scanCount ?? 100;
    this.perSecond = options.maxScannedKeysPerSecond ?? 20_000;
    this.connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
    this.clock = options.clock ?? systemClock;
  }

  /** Up to `limit` application keys with their TTLs; fewer when the keyspace holds fewer. */
  async sample(request: SampleRequest): Promise<SampledKey[]> {
    await waitUntilReady(this.client, this.connectTimeoutMs);
    const masters = mastersOf(this.client);
    const share = Math.ceil(request.limit / Math.max(1, masters.length));
    const sampled: SampledKey[] = [];
    for (const node of masters) {
      const wanted = Math.min(share, request.limit - sampled.length);
      if (wanted > 0) sampled.push(...(await this.sampleNode(node, request.match ?? '*', wanted)));
    }
    return sampled;
  }

  private async sampleNode(node: Redis, match: string, wanted: number): Promise<SampledKey[]> {
    const limiter = new ScanRateLimiter(this.perSecond, this.clock);
    const seen = new Set<string>();
    const sampled: SampledKey[] = [];
    let cursor = '0';
    do {
      let page: string[];
      try {
        [cursor, page] = await node.scan(cursor, 'MATCH', match, 'COUNT', this.scanCount);
      } catch (error) {
        throw toRedisError(error, `SCAN MATCH ${match}`);
      }
      // SCAN may return a key twice; a key seen once is sampled once.
      const fresh = page.filter((key) => !isInternalKey(key) && !seen.has(key));
      fresh.forEach((key) => seen.add(key));
      sampled.push(...(await this.withTtls(node, fresh.slice(0, wanted - sampled.length))));
      await limiter.take(this.scanCount);
    } while (cursor !== '0' && sampled.length < wanted);
    return sampled;
  }

  private async withTtls(node: Redis, keys: readonly string[]): Promise<SampledKey[]> {
    if (keys.length === 0) return [];
    const pipeline = node.pipeline();
    for (const key of keys) pipeline.ttl(key);
    const replies = await execPipeline(pipeline, 'TTL of sampled keys');
    const sampled: SampledKey[] = [];
    keys.forEach((key, i) => {
      const ttl = replies[i];
      // -2: the key expired or was deleted since SCAN returned it.
      if (typeof ttl === 'number' && ttl !== -2) {
        sampled.push({ key, ttlSeconds: ttl < 0 ? null : ttl });
      }
    });
    return sampled;
  }
}
