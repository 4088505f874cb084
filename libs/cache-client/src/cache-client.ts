import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { decodeEntry, encodeEntry, namespacedKey, toCacheVersion } from '#cache-keys';
import type { RedisClient } from '#redis';
import { withTimeout } from '#retry';
import {
  positive,
  resolveCacheOptions,
  type CacheClientOptions,
  type CacheGetOptions,
  type ResolvedCacheOptions,
} from './cache-client-options.js';
import { MemoryCacheCounters, type CacheEvent } from './cache-counters.js';
import type { CacheStore, LeaseRequest } from './cache-store.js';
import { NamespaceGenerations } from './namespace-generations.js';
import { RedisCacheStore } from './redis-cache-store.js';

const MAX_POLL_MS = 50;

const FILL_EVENTS = { stored: 'fill', void: 'fill-rejected', refused: 'fill-refused' } as const;

/**
 * The canonical version the caller's `version` option reports for `value`, or null.
 * @throws CacheVersionError when it reports something that is not a version.
 */
function versionFrom<T>(value: T, versionOf: ((value: T) => unknown) | undefined): string | null {
  const version = versionOf?.(value) ?? null;
  if (version === null) return null;
  if (typeof version !== 'bigint' && typeof version !== 'number' && typeof version !== 'string') {
    throw new TypeError(`version: expected an integer or a timestamp text, got ${typeof version}`);
  }
  return toCacheVersion(version);
}

/**
 * Cache-aside with leases and tags. On a miss the caller takes a short lease on the key (and files
 * the key under its tags) BEFORE loading, then stores the loaded value only if the lease is still
 * its own. The invalidator deletes a key together with its lease, so an invalidation landing
 * between the database read and the fill voids the fill: no stale value comes back. Callers that
 * find another's lease wait (bounded) for its value. Redis problems never fail a read: the caller
 * then loads without the cache; fills run in the background and never block the caller.
 */
export class CacheClient {
  private readonly options: ResolvedCacheOptions;
  private readonly counts = new MemoryCacheCounters();
  private readonly pending = new Set<Promise<void>>();
  private readonly generations: NamespaceGenerations;

  constructor(
    private readonly store: CacheStore,
    options: CacheClientOptions = {},
  ) {
    this.options = resolveCacheOptions(options);
    this.generations = new NamespaceGenerations(
      (namespace) =>
        withTimeout(
          this.store.generation(namespace),
          this.options.redisTimeoutMs,
          'namespace generation',
        ),
      this.options.namespaceCacheMs,
    );
  }

  /** A client on a Redis store; `onClose` runs on {@link close} (e.g. quit a client you own). */
  static forRedis(
    client: RedisClient,
    options: CacheClientOptions = {},
    onClose?: () => Promise<void>,
  ): CacheClient {
    return new CacheClient(new RedisCacheStore(client, onClose), options);
  }

  /**
   * The cached value of `key`, or `load()`'s result (stored in the background when this caller
   * holds the lease). `load` errors reach the caller; cache errors never do.
   */
  async get<T>(key: string, load: () => Promise<T>, options: CacheGetOptions<T> = {}): Promise<T> {
    const ttlSeconds = options.ttlSeconds ?? this.options.ttlSeconds;
    positive('ttlSeconds', ttlSeconds);
    let name: string;
    try {
      name = await this.nameOf(key, options.namespace);
    } catch {
      this.count('error', 'fallback');
      return load();
    }
    const request = this.leaseRequest(name, ttlSeconds, options.tags ?? []);
    return this.readThrough(request, ttlSeconds, load, options.version);
  }

  /** The stored name of `key`: prefixed, and inside its namespace's current generation. */
  private async nameOf(key: string, namespace: string | undefined): Promise<string> {
    const { prefix } = this.options;
    if (namespace === undefined) return prefix + key;
    const generation = await this.generations.current(prefix + namespace);
    return namespacedKey(prefix + namespace, generation, key);
  }

  private async readThrough<T>(
    request: LeaseRequest,
    ttlSeconds: number,
    load: () => Promise<T>,
    version: CacheGetOptions<T>['version'],
  ): Promise<T> {
    const deadline = Date.now() + this.options.leaseWaitMs;
    let pause = this.options.leasePollMs;
    for (let attempt = 0; ; attempt += 1) {
      let found;
      try {
        found = await withTimeout(
          this.store.lookup(request),
          this.options.redisTimeoutMs,
          'cache lookup',
        );
      } catch {
        this.count('error', 'fallback');
        return load();
      }
      if (found.kind === 'hit') {
        try {
          const value = this.options.serializer.deserialize(
            decodeEntry(found.payload).payload,
          ) as T;
          this.count('hit');
          return value;
        } catch {
          this.count('error', 'fallback');
          return load();
        }
      }
      if (found.kind === 'leased') {
        if (attempt === 0) this.count('miss');
        return this.loadAndFill(request, ttlSeconds, load, version);
      }
      if (attempt === 0) this.count('lease-wait');
      if (Date.now() + pause > deadline) {
        this.count('lease-timeout');
        return load();
      }
      await sleep(pause);
      pause = Math.min(pause * 2, MAX_POLL_MS);
    }
  }

  /** Counts of every event since this client was made. */
  stats(): Record<CacheEvent, number> {
    return this.counts.snapshot();
  }

  /** Resolves once every background fill (and lease release) has settled. */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  /** Waits for background fills, then closes the store. */
  async close(): Promise<void> {
    await this.idle();
    await this.store.close();
  }

  private async loadAndFill<T>(
    request: LeaseRequest,
    ttlSeconds: number,
    load: () => Promise<T>,
    versionOf: ((value: T) => unknown) | undefined,
  ): Promise<T> {
    let value: T;
    try {
      value = await load();
    } catch (error) {
      this.background(this.store.release(request.key, request.token));
      throw error;
    }
    this.background(this.fill(request, ttlSeconds, value, versionOf));
    return value;
  }

  private async fill<T>(
    request: LeaseRequest,
    ttlSeconds: number,
    value: T,
    versionOf: ((value: T) => unknown) | undefined,
  ): Promise<void> {
    let payload: string;
    let version: string | null;
    try {
      version = versionFrom(value, versionOf);
      payload = encodeEntry(this.options.serializer.serialize(value), version);
    } catch {
      this.count('error');
      await this.store.release(request.key, request.token);
      return;
    }
    const ttlMs = Math.round(
      ttlSeconds * 1000 * (1 + this.options.random() * this.options.jitterRatio),
    );
    const result = await withTimeout(
      this.store.fill({ ...request, payload, version, ttlMs }),
      this.options.fillTimeoutMs,
      'cache fill',
    );
    this.count(FILL_EVENTS[result]);
  }

  private leaseRequest(name: string, ttlSeconds: number, tags: readonly string[]): LeaseRequest {
    const { prefix, leaseMs, jitterRatio } = this.options;
    // Tag sets outlive every entry filed in them: longest TTL, plus the lease, plus a margin.
    const tagTtlMs = Math.ceil(ttlSeconds * 1000 * (1 + jitterRatio)) + leaseMs + 1000;
    return {
      key: name,
      token: randomUUID(),
      leaseMs,
      tags: tags.map((tag) => prefix + tag),
      tagTtlMs,
    };
  }

  // Fire-and-forget with errors counted: never an unhandled rejection, never blocks the caller.
  private background(work: Promise<void>): void {
    const tracked = work
      .catch(() => {
        this.count('error');
      })
      .finally(() => this.pending.delete(tracked));
    this.pending.add(tracked);
  }

  private count(...events: CacheEvent[]): void {
    for (const event of events) {
      this.counts.increment(event);
      try {
        this.options.counters?.increment(event);
      } catch {
        // A broken metrics sink must not break reads.
      }
    }
  }
}
