import { newerVersion } from '#cache-keys';
import type { InvalidationPlan } from '#redis-invalidation';
import type { ConsumedMessage } from './partition-batch.types.js';

/** Why a message asked for nothing: each is counted and acknowledged, never an error. */
export type IgnoreReason = 'tombstone' | 'heartbeat' | 'unmapped' | 'no-rule';

/** What one message turned into. */
export type MessageOutcome =
  | {
      readonly kind: 'invalidate';
      readonly message: ConsumedMessage;
      /** `product.updated`, or the domain event's type. */
      readonly event: string;
      readonly plan: InvalidationPlan;
      /** When the change was committed in the database (`source.ts_ms`), if known. */
      readonly committedAtMs: number | null;
    }
  | {
      readonly kind: 'ignore';
      readonly message: ConsumedMessage;
      readonly event: string | null;
      readonly reason: IgnoreReason;
    }
  | {
      readonly kind: 'dead-letter';
      readonly message: ConsumedMessage;
      /** Null: a message that failed may not even decode to an event. */
      readonly event: null;
      readonly error: unknown;
    };

/** Splits `product.updated` into entity and operation for metrics labels. */
export function splitEventName(event: string | null): { entity: string; op: string } {
  if (event === null) return { entity: 'none', op: 'none' };
  const dot = event.lastIndexOf('.');
  return dot < 0
    ? { entity: event, op: 'none' }
    : { entity: event.slice(0, dot), op: event.slice(dot + 1) };
}

/**
 * The union of the plans: each distinct key, tag and pattern once, sorted; a key's version is the
 * highest any plan gives it (the marker must cover the latest change of the chunk).
 */
export function coalescePlans(plans: readonly InvalidationPlan[]): InvalidationPlan {
  const keys = new Set<string>();
  const tags = new Set<string>();
  const patterns = new Set<string>();
  const versions = new Map<string, string>();
  for (const plan of plans) {
    for (const key of plan.keys) keys.add(key);
    for (const tag of plan.tags) tags.add(tag);
    for (const pattern of plan.patterns) patterns.add(pattern);
    for (const { key, version } of plan.versions ?? []) {
      const known = versions.get(key);
      versions.set(key, known === undefined ? version : newerVersion(known, version));
    }
  }
  const plan = { keys: [...keys].sort(), tags: [...tags].sort(), patterns: [...patterns].sort() };
  if (versions.size === 0) return plan;
  return {
    ...plan,
    versions: [...versions]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([key, version]) => ({ key, version })),
  };
}

export function isEmptyPlan(plan: InvalidationPlan): boolean {
  return plan.keys.length === 0 && plan.tags.length === 0 && plan.patterns.length === 0;
}
