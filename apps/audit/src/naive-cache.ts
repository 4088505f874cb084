import { JsonSerializer, type CacheEvent } from '#cache-client';
import { decodeEntry, encodeEntry } from '#cache-keys';
import type { RedisClient } from '#redis';
import { withTimeout } from '#retry';

/** Per-call options both caches understand. */
export interface ReadOptions<T> {
  readonly tags: readonly string[];
  /** The loaded value's version (canonical text), or null: stored in the entry's envelope. */
  readonly version?: (value: T) => string | null;
}

/** What readers need from a cache: the lease client and the naive one both fit. */
export interface ReadThroughCache {
  get<T>(key: string, load: () => Promise<T>, options: ReadOptions<T>): Promise<T>;
  idle(): Promise<void>;
  stats(): Partial<Record<CacheEvent, number>>;
}

export interface NaiveCacheOptions {
  readonly prefix: string;
  readonly ttlSeconds: number;
  /** Bound on the GET, as the lease client's `redisTimeoutMs`. */
  readonly redisTimeoutMs: number;
}

/**
 * The textbook cache-aside the audit compares against: GET; on a miss load, then SET with a TTL.
 * No lease, no guard: a load that read the row before a write and sets after the write's
 * invalidation puts the old value back until the TTL. Same serializer and fill-in-background as
 * the lease client, so only the protocol differs. Tags are not filed: the rules also name every
 * key directly. Entries carry the loader's version in the protocol's envelope, as the lease
 * client's do, but nothing compares it: markers are ignored.
 */
export class NaiveCache implements ReadThroughCache {
  private readonly serializer = new JsonSerializer();
  private readonly counts: Partial<Record<CacheEvent, number>> = {};
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly redis: RedisClient,
    private readonly options: NaiveCacheOptions,
  ) {}

  async get<T>(key: string, load: () => Promise<T>, options?: ReadOptions<T>): Promise<T> {
    const name = this.options.prefix + key;
    let payload: string | null;
    try {
      payload = await withTimeout(this.redis.get(name), this.options.redisTimeoutMs, 'Redis GET');
    } catch {
      this.count('error');
      this.count('fallback');
      return load();
    }
    if (payload !== null) {
      this.count('hit');
      return this.serializer.deserialize(decodeEntry(payload).payload) as T;
    }
    this.count('miss');
    const value = await load();
    const ttlMs = this.options.ttlSeconds * 1000;
    const stored = encodeEntry(this.serializer.serialize(value), options?.version?.(value) ?? null);
    const fill = this.redis
      .set(name, stored, 'PX', ttlMs)
      .then(() => {
        this.count('fill');
      })
      .catch(() => {
        this.count('error');
      })
      .finally(() => this.pending.delete(fill));
    this.pending.add(fill);
    return value;
  }

  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  stats(): Partial<Record<CacheEvent, number>> {
    return { ...this.counts };
  }

  private count(event: CacheEvent): void {
    this.counts[event] = (this.counts[event] ?? 0) + 1;
  }
}
