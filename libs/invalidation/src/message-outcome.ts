import type { InvalidationPlan } from './invalidation-plan.js';
import { parseEventName } from '#rules';
import type { InvalidationTargets } from './code-handler.js';
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
  const { entity, op } = parseEventName(event);
  return { entity, op: op === '' ? 'none' : op };
}

/**
 * The union of the plans: each distinct entry of each field once, sorted. Field by field, so a
 * field added to {@link InvalidationPlan} is coalesced without touching this function.
 */
export function coalescePlans(plans: readonly InvalidationPlan[]): InvalidationPlan {
  const sets = new Map<string, Set<string>>();
  for (const plan of plans) {
    for (const [field, values] of Object.entries(plan) as [string, readonly string[]][]) {
      let set = sets.get(field);
      if (set === undefined) sets.set(field, (set = new Set()));
      for (const value of values) set.add(value);
    }
  }
  const coalesced: Record<string, readonly string[]> = { ...emptyPlan() };
  for (const [field, set] of sets) coalesced[field] = [...set].sort();
  return coalesced as unknown as InvalidationPlan;
}

/** Adds code handlers' targets (any subset of the plan's fields) to `plan`. */
export function mergeTargets(
  plan: InvalidationPlan,
  targets: readonly InvalidationTargets[],
): InvalidationPlan {
  return coalescePlans([plan, ...targets.map((t) => ({ ...emptyPlan(), ...t }))]);
}

/** A plan that asks for nothing. */
export function emptyPlan(): InvalidationPlan {
  return { keys: [], tags: [], namespaces: [], patterns: [] };
}

export function isEmptyPlan(plan: InvalidationPlan): boolean {
  return Object.values(plan).every((values: readonly string[]) => values.length === 0);
}
