import { UNAVAILABLE_VALUE, type ChangeEvent, type ColumnValue } from '#debezium';
import { CacheVersionError, toCacheVersion, type KeyVersion } from '#cache-keys';
import { RuleRenderError } from './rules.errors.js';
import { toEntityEvent, type EntityEvent } from './entity-event-mapper.js';
import type { CascadeFallback, CompiledRule, RuleSet, TemplateKind } from './rule-set-types.js';
import {
  renderParams,
  renderTemplate,
  type LookupParam,
  type RenderScope,
  type SkippedTarget,
} from './template-renderer.js';

/** A rule that matched but did not apply: none of its `when.changed` columns changed. */
export interface SkippedRule {
  readonly rule: string;
  readonly reason: 'unchanged';
  readonly columns: readonly string[];
}

export type Skipped = SkippedTarget | SkippedRule;

/** A cascade to run: its lookup with bound params, and what to invalidate if it exceeds bounds. */
export interface CascadeRequest {
  readonly rule: string;
  readonly entity: string;
  readonly lookup: string;
  readonly params: readonly LookupParam[];
  /** The rule's fallback rendered for this event, or null when it declares none. */
  readonly fallback: {
    readonly kind: CascadeFallback['kind'];
    readonly values: readonly string[];
  } | null;
}

/**
 * What one event invalidates directly. `keys`, `tags`, `namespaces` and `patterns` are sorted and
 * unique.
 */
export interface Evaluation {
  /** `product.updated`; null for tombstones, heartbeats and unmapped tables. */
  readonly event: string | null;
  /** Rules that applied, in declaration order. */
  readonly rules: readonly string[];
  readonly keys: readonly string[];
  readonly tags: readonly string[];
  /** Key families whose generation is bumped (see `docs/rules.md`, namespaces). */
  readonly namespaces: readonly string[];
  readonly patterns: readonly string[];
  /**
   * For entities that declare `version:`, each key with the change's version (after-image, or
   * before-image for deletes), sorted by key; empty otherwise.
   */
  readonly versions: readonly KeyVersion[];
  readonly cascades: readonly CascadeRequest[];
  readonly skipped: readonly Skipped[];
}

/** Options of {@link evaluate}. */
export interface EvaluateOptions {
  /**
   * Whether `when` filters apply; cascaded rows ignore them.
   * @default true
   */
  readonly applyWhen?: boolean;
}

/**
 * What a decoded event invalidates, without running cascades (see `expand`). Pure and synchronous.
 * @throws RuleRenderError when a placeholder's value is neither an integer nor a string.
 */
export function evaluate(
  ruleSet: RuleSet,
  event: ChangeEvent,
  options: EvaluateOptions = {},
): Evaluation {
  const entityEvent = toEntityEvent(ruleSet, event);
  if (entityEvent === null) return emptyEvaluation(null);
  return evaluateEntityEvent(ruleSet, entityEvent, options);
}

/** {@link evaluate} for an event already named in the rules' terms. */
export function evaluateEntityEvent(
  ruleSet: RuleSet,
  event: EntityEvent,
  options: EvaluateOptions = {},
): Evaluation {
  const applyWhen = options.applyWhen ?? true;
  const applied: string[] = [];
  const sets = emptyTargetSets();
  const cascades: CascadeRequest[] = [];
  const skipped: Skipped[] = [];
  const targetsSkipped: SkippedTarget[] = [];
  for (const rule of ruleSet.rulesFor(event.name)) {
    if (applyWhen && rule.changed !== null && !anyChanged(event, rule.changed)) {
      skipped.push({ rule: rule.name, reason: 'unchanged', columns: rule.changed });
      continue;
    }
    applied.push(rule.name);
    applyRule(rule, event, sets, cascades, targetsSkipped);
    if (targetsSkipped.length > 0) skipped.push(...targetsSkipped.splice(0));
  }
  const targets = sortedTargets(sets);
  const version = applied.length === 0 ? null : changeVersion(ruleSet, event, applied[0] ?? '');
  return {
    event: event.name,
    rules: applied,
    ...targets,
    versions: version === null ? NONE : targets.keys.map((key) => ({ key, version })),
    cascades,
    skipped,
  };
}

/** One set per template kind, filled while rules render. */
export type TargetSets = Record<TemplateKind, Set<string>>;

export function emptyTargetSets(): TargetSets {
  return { key: new Set(), tag: new Set(), namespace: new Set(), pattern: new Set() };
}

/** Adds what `evaluation` invalidates directly to `sets`. */
export function addTargets(sets: TargetSets, evaluation: Evaluation): void {
  for (const key of evaluation.keys) sets.key.add(key);
  for (const tag of evaluation.tags) sets.tag.add(tag);
  for (const namespace of evaluation.namespaces) sets.namespace.add(namespace);
  for (const pattern of evaluation.patterns) sets.pattern.add(pattern);
}

/** The sets as an evaluation's sorted lists. */
export function sortedTargets(
  sets: TargetSets,
): Pick<Evaluation, 'keys' | 'tags' | 'namespaces' | 'patterns'> {
  return {
    keys: sortedList(sets.key),
    tags: sortedList(sets.tag),
    namespaces: sortedList(sets.namespace),
    patterns: sortedList(sets.pattern),
  };
}

/** One empty list for every empty result: most events name no namespace, pattern or version. */
const NONE: readonly never[] = Object.freeze([]);

/** Below this many entries an insertion sort beats `Array.prototype.sort`'s set-up. */
const SMALL_SORT = 16;

function sortedList(set: ReadonlySet<string>): readonly string[] {
  if (set.size === 0) return NONE;
  const list = [...set];
  if (list.length > SMALL_SORT) return list.sort();
  // An event names a few keys: sorting them in place costs less than the generic sort's set-up.
  for (let i = 1; i < list.length; i += 1) {
    const entry = list[i] as string;
    let j = i - 1;
    while (j >= 0 && (list[j] as string) > entry) {
      list[j + 1] = list[j] as string;
      j -= 1;
    }
    list[j + 1] = entry;
  }
  return list;
}

/**
 * The change's version in canonical text, or null when the entity declares no version column or
 * the image lacks a value (the keys are then deleted without markers).
 * @throws RuleRenderError when the value is not an integer or a timestamp.
 */
function changeVersion(ruleSet: RuleSet, event: EntityEvent, rule: string): string | null {
  const column = ruleSet.entities.get(event.entity)?.version ?? null;
  if (column === null) return null;
  const image = event.verb === 'deleted' ? event.before : event.after;
  const value = image?.[column] ?? null;
  if (value === null) return null;
  if (typeof value !== 'bigint' && typeof value !== 'number' && typeof value !== 'string') {
    throw new RuleRenderError(
      rule,
      `version column "${column}" holds ${JSON.stringify(value)}; expected an integer or a timestamp`,
    );
  }
  try {
    return toCacheVersion(value);
  } catch (error) {
    if (!(error instanceof CacheVersionError)) throw error;
    throw new RuleRenderError(rule, `version column "${column}": ${error.message}`);
  }
}

function applyRule(
  rule: CompiledRule,
  event: EntityEvent,
  sets: TargetSets,
  cascades: CascadeRequest[],
  skipped: SkippedTarget[],
): void {
  for (const target of rule.targets) {
    const scope: RenderScope = { rule: rule.name, target: target.kind, event, skipped };
    if (target.kind !== 'cascade') {
      renderTemplate(target.template, scope, sets[target.kind]);
      continue;
    }
    const tuples = renderParams(target.params, target.lookup, scope);
    if (tuples.length === 0) continue;
    let fallback: CascadeRequest['fallback'] = null;
    if (target.fallback !== null) {
      const values = new Set<string>();
      renderTemplate(
        target.fallback.template,
        { ...scope, target: 'fallback', skipped: [] },
        values,
      );
      fallback = { kind: target.fallback.kind, values: [...values].sort() };
    }
    for (const params of tuples) {
      cascades.push({
        rule: rule.name,
        entity: target.entity,
        lookup: target.lookup,
        params,
        fallback,
      });
    }
  }
}

/**
 * Updates apply when a listed column differs, or when the before-image cannot tell. A column whose
 * after-value is Debezium's unavailable placeholder is known unchanged (PostgreSQL omits only
 * unchanged TOASTed values), whatever the before-image holds.
 */
function anyChanged(event: EntityEvent, columns: readonly string[]): boolean {
  if (event.verb !== 'updated') return true;
  const { before, after } = event;
  if (after === null) return true;
  return columns.some((column) => {
    if (after[column] === UNAVAILABLE_VALUE) return false;
    if (before === null || !Object.hasOwn(before, column) || !Object.hasOwn(after, column)) {
      return true;
    }
    return !sameValue(before[column] ?? null, after[column] ?? null);
  });
}

function sameValue(a: ColumnValue, b: ColumnValue): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item: ColumnValue, i) =>
      sameValue(item, (b as readonly ColumnValue[])[i] ?? null),
    );
  }
  const aKeys = Object.keys(a);
  const bRow = b as Readonly<Record<string, ColumnValue>>;
  const aRow = a as Readonly<Record<string, ColumnValue>>;
  if (aKeys.length !== Object.keys(b).length) return false;
  return aKeys.every(
    (key) => Object.hasOwn(b, key) && sameValue(aRow[key] ?? null, bRow[key] ?? null),
  );
}

/** The evaluation of an event that triggers nothing. */
export function emptyEvaluation(event: string | null): Evaluation {
  return {
    event,
    rules: [],
    keys: [],
    tags: [],
    namespaces: [],
    patterns: [],
    versions: [],
    cascades: [],
    skipped: [],
  };
}
