/** What {@link CacheStore.fill} did. */
export type FillResult = 'stored' | 'void' | 'refused';

/** What {@link CacheStore.lookup} found. */
export type LookupResult =
  | { kind: 'hit'; payload: string }
  /** The lease is ours and the key is filed under its tags: load, then {@link CacheStore.fill}. */
  | { kind: 'leased' }
  /** Another caller holds the lease: its fill is on the way. */
  | { kind: 'busy' };

/** One lease: every name is final (prefixed), so the store adds nothing. */
export interface LeaseRequest {
  /** The cache entry's key. */
  key: string;
  /** Random, unique to this attempt. */
  token: string;
  /** Lease lifetime. */
  leaseMs: number;
  /** Tag names (not tag-set keys) the entry is filed under. */
  tags: readonly string[];
  /** Minimum remaining lifetime of every tag set touched (≥ the entry's TTL + lease). */
  tagTtlMs: number;
}

/** A fill guarded by the lease taken in {@link CacheStore.lookup}. */
export interface FillRequest extends LeaseRequest {
  /** The text to store: the entry envelope (`encodeEntry` from `#cache-keys`). */
  payload: string;
  /** The entry's version (canonical text), checked against the key's marker; null: unversioned. */
  version: string | null;
  /** The entry's TTL, jitter included. */
  ttlMs: number;
}

/**
 * The server side of the lease protocol. {@link RedisCacheStore} is the real one; the in-memory
 * {@link MemoryCacheStore} has the same semantics for unit tests.
 */
export interface CacheStore {
  /** Reads the entry, or takes its lease and files it under its tags before resolving. */
  lookup(request: LeaseRequest): Promise<LookupResult>;
  /**
   * Stores the payload if the lease is still ours (`stored`); `void` when it is gone or another's
   * (or, in a cluster, the key was unfiled); `refused` when the entry is older than the key's
   * invalidation marker (the lease is then given back).
   */
  fill(request: FillRequest): Promise<FillResult>;
  /** The current generation of `namespace` (its counter, prefixed name); 0 when never bumped. */
  generation(namespace: string): Promise<number>;
  /** Gives the lease back (only if still ours), so waiters need not wait for its expiry. */
  release(key: string, token: string): Promise<void>;
  /** Frees resources the store owns. */
  close(): Promise<void>;
}
