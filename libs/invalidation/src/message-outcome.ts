import { newerVersion, type KeyVersion } from '#cache-keys';
import { parseEventName } from '#rules';
import type { InvalidationTargets } from './code-handler.js';
import { PLAN_TARGETS, type InvalidationPlan } from './invalidation-plan.js';
import type { ConsumedMessage } from './partition-batch-types.js';

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
 * The union of the plans: each distinct entry of each target list once, in the order first seen
 * (see {@link PLAN_TARGETS}); a key's version is the highest any plan gives it (the marker must cover
 * the latest change of the chunk).
 */
export function coalescePlans(plans: readonly InvalidationPlan[]): InvalidationPlan {
  const coalesced: InvalidationPlan = { ...emptyPlan() };
  for (const field of PLAN_TARGETS) coalesced[field] = distinct(plans, field);
  const versions = newestVersions(plans);
  return versions.length === 0 ? coalesced : { ...coalesced, versions };
}

/**
 * The distinct entries of one target list over all plans, in the order first seen; no list built
 * per plan. Not sorted: Redis takes them in any order, and sorting a chunk's keys cost about 5% of
 * the service's CPU.
 */
function distinct(
  plans: readonly InvalidationPlan[],
  field: (typeof PLAN_TARGETS)[number],
): string[] {
  const seen = new Set<string>();
  for (const plan of plans) for (const entry of plan[field]) seen.add(entry);
  return seen.size === 0 ? [] : [...seen];
}

function newestVersions(plans: readonly InvalidationPlan[]): KeyVersion[] {
  const versions = new Map<string, string>();
  for (const plan of plans) {
    if (plan.versions === undefined || plan.versions.length === 0) continue;
    for (const { key, version } of plan.versions) {
      const known = versions.get(key);
      versions.set(key, known === undefined ? version : newerVersion(known, version));
    }
  }
  return [...versions]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, version]) => ({ key, version }));
}

/** Adds code handlers' targets (any subset of the plan's target lists) to `plan`. */
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
  return PLAN_TARGETS.every((field) => plan[field].length === 0);
}
