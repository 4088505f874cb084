import type { KeyVersion } from '#cache-keys';

/** The target lists of a plan: each is coalesced the same way (distinct entries, first seen first). */
export const PLAN_TARGETS = ['keys', 'tags', 'namespaces', 'patterns'] as const;

/**
 * What to invalidate; the rules and code handlers produce it, coalesced per chunk. Code that builds
 * or merges plans treats the fields generically (see `coalescePlans`), so a field can be added here.
 */
export interface InvalidationPlan {
  /** Cache keys to delete (with their leases). */
  keys: readonly string[];
  /** Tags whose filed keys (and leases) and tag set are deleted. */
  tags: readonly string[];
  /** Namespaces (key families) whose generation counter is bumped: `INCR __ns:<namespace>`. */
  namespaces: readonly string[];
  /** `SCAN MATCH` globs whose matching keys (and leases) are deleted. */
  patterns: readonly string[];
  /**
   * Keys of `keys` derived from a versioned change, with the change's version: each is deleted
   * together with an invalidation marker carrying the version (see `markerKeyFor`). Absent or
   * empty: no markers.
   */
  versions?: readonly KeyVersion[];
}

/** Counts of one {@link InvalidationApplier.apply}, for metrics. */
export interface InvalidationCounts {
  /** Distinct keys of the plan unlinked. */
  keys: number;
  /** Distinct tags of the plan invalidated. */
  tags: number;
  /** Keys found in those tags' sets. */
  tagMembers: number;
  /** Distinct namespaces of the plan bumped. */
  namespaces: number;
  /** Distinct patterns of the plan swept. */
  patterns: number;
  /** Keys that matched the patterns. */
  patternMatches: number;
  /** Keys that existed and were removed, leases included, by keys, tags and patterns. */
  removed: number;
}

/** Per-call options of {@link InvalidationApplier.apply}. */
export interface ApplyOptions {
  /** Stops a pattern sweep between two pages (shutdown); keys and tags are not interrupted. */
  readonly signal?: AbortSignal;
}
