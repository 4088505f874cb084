import type { KeyVersion } from '#cache-keys';
import { decodeMessage, type KafkaMessage } from '#debezium';
import {
  expand,
  type CascadeLookup,
  type ExpandOptions,
  type Expansion,
} from './cascade-expander.js';
import { evaluate, type Evaluation } from './rule-evaluator.js';
import type { RuleSet } from './rule-set-types.js';
import type { LookupParam } from './template-renderer.js';

/** One cascade in explain's output; `rows` is null until a database runs it. */
export interface ExplainedCascade {
  readonly rule: string;
  readonly entity: string;
  readonly lookup: string;
  /** Lookup parameters as strings, so 64-bit ids stay exact in any JSON reader. */
  readonly params: readonly string[];
  readonly rows: number | null;
  readonly exceeded?: 'depth' | 'fan-out';
  readonly fallback?: readonly string[];
}

/** What one message invalidates, as `invalidator explain` and the admin endpoint print it. */
export interface ExplainOutput extends Omit<Evaluation, 'cascades' | 'versions'> {
  readonly cascades: readonly ExplainedCascade[];
  /** Each key with its change's version, only for versioned entities. */
  readonly versions?: readonly KeyVersion[];
}

// Unversioned output stays exactly as before versions existed.
function withoutEmptyVersions<T extends { readonly versions: readonly KeyVersion[] }>(
  value: T,
): Omit<T, 'versions'> & { versions?: readonly KeyVersion[] } {
  if (value.versions.length > 0) return value;
  const { versions: _versions, ...rest } = value;
  return rest;
}

const params = (values: readonly LookupParam[]): string[] => values.map(String);

/** Explain output without a database: cascades listed, not run. */
export function explainEvaluation(evaluation: Evaluation): ExplainOutput {
  return {
    ...withoutEmptyVersions(evaluation),
    cascades: evaluation.cascades.map((c) => ({
      rule: c.rule,
      entity: c.entity,
      lookup: c.lookup,
      params: params(c.params),
      rows: null,
    })),
  };
}

/** Explain output after the cascades ran: `rows` is each lookup's row count. */
export function explainExpansion(expansion: Expansion): ExplainOutput {
  return {
    ...withoutEmptyVersions(expansion),
    cascades: expansion.cascades.map((c) => ({
      rule: c.rule,
      entity: c.entity,
      lookup: c.lookup,
      params: params(c.params),
      rows: c.rows,
      ...(c.exceeded === null ? {} : { exceeded: c.exceeded, fallback: c.fallback }),
    })),
  };
}

/**
 * Decodes one Kafka message and explains what it invalidates; with `lookup`, cascades run and
 * their rows' keys, tags and patterns are merged in.
 * @throws DecodeError, RuleRenderError, CascadeLimitError or CascadeLookupError.
 */
export async function explainMessage(
  ruleSet: RuleSet,
  message: KafkaMessage,
  lookup?: CascadeLookup,
  options: ExpandOptions = {},
): Promise<ExplainOutput> {
  const evaluation = evaluate(ruleSet, decodeMessage(message));
  if (lookup === undefined) return explainEvaluation(evaluation);
  return explainExpansion(await expand(ruleSet, evaluation, lookup, options));
}
