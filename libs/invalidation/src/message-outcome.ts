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

/** The list fields of a plan, each coalesced the same way. */
const PLAN_LISTS = ['keys', 'tags', 'namespaces', 'patterns'] as const;
type PlanList = (typeof PLAN_LISTS)[number];

/** The union of the plans: each distinct key, tag, namespace and pattern once, sorted. */
export function coalescePlans(plans: readonly InvalidationPlan[]): InvalidationPlan {
  const union = (field: PlanList) => [...new Set(plans.flatMap((plan) => plan[field]))].sort();
  return {
    keys: union('keys'),
    tags: union('tags'),
    namespaces: union('namespaces'),
    patterns: union('patterns'),
  };
}

export function isEmptyPlan(plan: InvalidationPlan): boolean {
  return PLAN_LISTS.every((field) => plan[field].length === 0);
}
