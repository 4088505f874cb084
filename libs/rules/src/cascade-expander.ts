import type { ColumnValue, Row } from '#debezium';
import { InvalidatorError } from '#errors';
import { newerVersion, type KeyVersion } from '#cache-keys';
import { cascadedRowEvent } from './entity-event-mapper.js';
import {
  addTargets,
  emptyTargetSets,
  evaluateEntityEvent,
  sortedTargets,
  type CascadeRequest,
  type Evaluation,
  type Skipped,
  type TargetSets,
} from './rule-evaluator.js';
import type { RuleSet } from './rule-set-types.js';
import { CascadeLimitError, CascadeLookupError } from './rules.errors.js';
import type { LookupParam } from './template-renderer.js';

/**
 * The port through which cascades read related rows. Implementations must bind `params` as query
 * parameters, never interpolate them. Integer values may come back as numbers, bigints or strings.
 */
export interface CascadeLookup {
  /** Runs `sql`; may stop after `limit` rows (the expander asks for one more than it accepts). */
  run(
    sql: string,
    params: readonly LookupParam[],
    options: { readonly limit: number },
  ): Promise<readonly Readonly<Record<string, unknown>>[]>;
}

/** Bounds of {@link expand}. */
export interface ExpandOptions {
  /**
   * Cascade hops allowed from the original event; deeper cascades use their fallback.
   * @default 3
   */
  readonly maxDepth?: number;
  /**
   * Rows one lookup may return; more rows use the fallback.
   * @default 1000
   */
  readonly maxFanOut?: number;
}

/** One cascade as it ran: `rows` is the count, or null when a bound stopped it before reading. */
export interface CascadeRun extends Omit<CascadeRequest, 'fallback'> {
  readonly depth: number;
  readonly rows: number | null;
  /** Which bound was exceeded, so the fallback was invalidated instead; null when within bounds. */
  readonly exceeded: 'depth' | 'fan-out' | null;
  /** The fallback values invalidated, empty when within bounds. */
  readonly fallback: readonly string[];
}

/** An evaluation with every cascade run and merged in. */
export interface Expansion extends Omit<Evaluation, 'cascades'> {
  readonly cascades: readonly CascadeRun[];
}

interface Pending {
  readonly request: CascadeRequest;
  readonly depth: number;
}

/** What the expansion has gathered so far; each level adds to it. */
interface Gathered {
  readonly rules: Set<string>;
  readonly sets: TargetSets;
  /** The newest change version of each versioned key gathered. */
  readonly versions: Map<string, string>;
  readonly skipped: Skipped[];
  readonly runs: CascadeRun[];
  /** Lookups already run (entity, SQL, params), so a diamond runs each once. */
  readonly seen: Set<string>;
}

interface Bounds {
  readonly maxDepth: number;
  readonly maxFanOut: number;
}

/**
 * Runs an evaluation's cascades through `lookup`, level by level, and merges what the cascaded
 * rows' rules invalidate. Beyond a bound the rule's fallback is invalidated instead; a rule
 * without one fails the event loudly rather than dropping anything.
 *
 * @throws CascadeLimitError when a bound is exceeded and the rule has no usable fallback.
 * @throws CascadeLookupError when the lookup fails (retriable unless the port says otherwise).
 */
export async function expand(
  ruleSet: RuleSet,
  evaluation: Evaluation,
  lookup: CascadeLookup,
  options: ExpandOptions = {},
): Promise<Expansion> {
  const bounds = { maxDepth: options.maxDepth ?? 3, maxFanOut: options.maxFanOut ?? 1000 };
  const gathered = startFrom(evaluation);
  let level: Pending[] = evaluation.cascades.map((request) => ({ request, depth: 1 }));
  while (level.length > 0) {
    const results = await Promise.all(
      unseen(level, gathered.seen).map((pending) => runOne(pending, lookup, bounds)),
    );
    level = results.flatMap((outcome) => mergeOutcome(ruleSet, outcome, gathered, bounds));
  }
  return {
    event: evaluation.event,
    rules: [...gathered.rules],
    ...sortedTargets(gathered.sets),
    versions: [...gathered.versions]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([key, version]) => ({ key, version })),
    cascades: gathered.runs,
    skipped: gathered.skipped,
  };
}

function startFrom(evaluation: Evaluation): Gathered {
  const sets = emptyTargetSets();
  addTargets(sets, evaluation);
  const versions = new Map<string, string>();
  mergeVersions(versions, evaluation.versions);
  return {
    rules: new Set(evaluation.rules),
    sets,
    versions,
    skipped: [...evaluation.skipped],
    runs: [],
    seen: new Set(),
  };
}

/** The lookups of `level` not run before (and not twice within the level). */
function unseen(level: readonly Pending[], seen: Set<string>): Pending[] {
  return level.filter(({ request }) => {
    const id = JSON.stringify([request.entity, request.lookup, request.params.map(String)]);
    return seen.has(id) ? false : (seen.add(id), true);
  });
}

/** Records one lookup's outcome; returns the cascades its rows ask for, one level deeper. */
function mergeOutcome(
  ruleSet: RuleSet,
  { pending, rows, exceeded }: Outcome,
  gathered: Gathered,
  bounds: Bounds,
): Pending[] {
  const { request, depth } = pending;
  const base = {
    rule: request.rule,
    entity: request.entity,
    lookup: request.lookup,
    params: request.params,
    depth,
  };
  if (exceeded !== null) {
    const values = fallbackValues(request, exceeded, depth, rows, bounds);
    const kind = request.fallback?.kind ?? 'tag';
    for (const value of values) gathered.sets[kind].add(value);
    const count = rows === null ? null : rows.length;
    gathered.runs.push({ ...base, rows: count, exceeded, fallback: values });
    return [];
  }
  const found = rows ?? [];
  gathered.runs.push({ ...base, rows: found.length, exceeded: null, fallback: [] });
  return found.flatMap((row) => mergeRow(ruleSet, request.entity, row, depth, gathered));
}

/** Evaluates one cascaded row (without `when` filters) into `gathered`. */
function mergeRow(
  ruleSet: RuleSet,
  entity: string,
  row: Readonly<Record<string, unknown>>,
  depth: number,
  gathered: Gathered,
): Pending[] {
  const result = evaluateEntityEvent(ruleSet, cascadedRowEvent(entity, normalizeRow(row)), {
    applyWhen: false,
  });
  for (const name of result.rules) gathered.rules.add(name);
  addTargets(gathered.sets, result);
  mergeVersions(gathered.versions, result.versions);
  gathered.skipped.push(...result.skipped);
  return result.cascades.map((child) => ({ request: child, depth: depth + 1 }));
}

/** Keeps the newest version of each key (a key several rows render carries the latest change). */
function mergeVersions(into: Map<string, string>, versions: readonly KeyVersion[]): void {
  for (const { key, version } of versions) {
    const known = into.get(key);
    into.set(key, known === undefined ? version : newerVersion(known, version));
  }
}

type Outcome = {
  pending: Pending;
  rows: readonly Readonly<Record<string, unknown>>[] | null;
  exceeded: 'depth' | 'fan-out' | null;
};

async function runOne(
  pending: Pending,
  lookup: CascadeLookup,
  { maxDepth, maxFanOut }: Bounds,
): Promise<Outcome> {
  if (pending.depth > maxDepth) return { pending, rows: null, exceeded: 'depth' };
  let rows: readonly Readonly<Record<string, unknown>>[];
  try {
    rows = await lookup.run(pending.request.lookup, pending.request.params, {
      limit: maxFanOut + 1,
    });
  } catch (error) {
    // The port says whether its failure is transient; anything unclassified is assumed to be.
    const retriable = error instanceof InvalidatorError ? error.retriable : true;
    const detail = error instanceof Error ? error.message : String(error);
    throw new CascadeLookupError(pending.request.rule, detail, { retriable, cause: error });
  }
  return { pending, rows, exceeded: rows.length > maxFanOut ? 'fan-out' : null };
}

function fallbackValues(
  request: CascadeRequest,
  exceeded: 'depth' | 'fan-out',
  depth: number,
  rows: readonly unknown[] | null,
  { maxDepth, maxFanOut }: Bounds,
): readonly string[] {
  const detail =
    exceeded === 'depth'
      ? `cascade to "${request.entity}" at depth ${depth} exceeds maxDepth ${maxDepth}`
      : `cascade to "${request.entity}" returned ${rows?.length ?? 0} rows, more than maxFanOut ${maxFanOut}`;
  if (request.fallback === null) {
    throw new CascadeLimitError(request.rule, `${detail} and the cascade declares no fallback`);
  }
  if (request.fallback.values.length === 0) {
    throw new CascadeLimitError(
      request.rule,
      `${detail} and its fallback rendered nothing for this event`,
    );
  }
  return request.fallback.values;
}

/** Lookup rows in the decoder's terms: safe integers become bigint, dates ISO strings. */
function normalizeRow(row: Readonly<Record<string, unknown>>): Row {
  const out: Record<string, ColumnValue> = {};
  for (const [column, value] of Object.entries(row)) out[column] = normalizeValue(value);
  return out;
}

function normalizeValue(value: unknown): ColumnValue {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number') return Number.isSafeInteger(value) ? BigInt(value) : value;
  if (typeof value === 'string' || typeof value === 'bigint' || typeof value === 'boolean')
    return value;
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(normalizeValue);
  if (typeof value === 'object') return normalizeRow(value as Record<string, unknown>);
  return null;
}
