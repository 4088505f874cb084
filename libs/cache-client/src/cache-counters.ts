/** Everything the client counts. */
export const CACHE_EVENTS = [
  /** Value found in Redis (directly or after waiting on another's lease). */
  'hit',
  /** Not in Redis; this caller took the lease and loaded. */
  'miss',
  /** Another caller held the lease; this one waited. */
  'lease-wait',
  /** The wait ran out; this caller loaded without storing. */
  'lease-timeout',
  /** Redis failed or was too slow; this caller loaded without the cache. */
  'fallback',
  /** A Redis command failed or timed out (read or fill). */
  'error',
  /** A loaded value was stored. */
  'fill',
  /** A fill was void: the lease was gone (invalidated) or the key was unfiled. */
  'fill-rejected',
  /** A versioned fill was refused: older than the invalidation marker of a later change. */
  'fill-refused',
] as const;

/** One of {@link CACHE_EVENTS}. */
export type CacheEvent = (typeof CACHE_EVENTS)[number];

/** Where the client reports events; {@link PromCacheCounters} is the Prometheus one. */
export interface CacheCounters {
  increment(event: CacheEvent): void;
}

/** Counts kept in memory; every client has one, readable with `CacheClient.stats()`. */
export class MemoryCacheCounters implements CacheCounters {
  private readonly counts = new Map<CacheEvent, number>();

  increment(event: CacheEvent): void {
    this.counts.set(event, (this.counts.get(event) ?? 0) + 1);
  }

  /** Every event with its count (0 when never seen). */
  snapshot(): Record<CacheEvent, number> {
    return Object.fromEntries(CACHE_EVENTS.map((e) => [e, this.counts.get(e) ?? 0])) as Record<
      CacheEvent,
      number
    >;
  }
}
