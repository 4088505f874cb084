import { decodeMessage } from '#debezium';
import {
  evaluate,
  expand,
  loadRules,
  type Evaluation,
  type Expansion,
  type LookupParam,
} from '#rules';
import type { CliDeps } from './cli-deps.port.js';
import { optional, required, type Values } from './cli-options.parser.js';

/** One cascade in explain's output; `rows` is null until a database runs it. */
interface ExplainedCascade {
  readonly rule: string;
  readonly entity: string;
  readonly lookup: string;
  /** Lookup parameters as strings, so 64-bit ids stay exact in any JSON reader. */
  readonly params: readonly string[];
  readonly rows: number | null;
  readonly exceeded?: 'depth' | 'fan-out';
  readonly fallback?: readonly string[];
}

/** The JSON object `explain` prints. */
export interface ExplainOutput extends Omit<Evaluation, 'cascades'> {
  readonly cascades: readonly ExplainedCascade[];
}

/**
 * `explain --rules <path> --topic <topic> --event <file|-> [--database-url <url>]`: prints what one
 * Kafka message value invalidates as a single JSON object.
 */
export async function explainCommand(values: Values, deps: CliDeps): Promise<number> {
  const rulesPath = required(values, 'rules');
  const topic = required(values, 'topic');
  const eventPath = required(values, 'event');
  const url = optional(values, 'database-url');
  const ruleSet = await loadRules(rulesPath);
  const text = eventPath === '-' ? await deps.readStdin() : await readEvent(deps, eventPath);
  const evaluation = evaluate(ruleSet, decodeMessage({ topic, key: null, value: text }));
  let output: ExplainOutput;
  if (url === undefined) {
    output = explainEvaluation(evaluation);
  } else {
    const database = await deps.connect(url);
    try {
      output = explainExpansion(await expand(ruleSet, evaluation, database));
    } finally {
      await database.close();
    }
  }
  deps.stdout(`${JSON.stringify(output)}\n`);
  return 0;
}

async function readEvent(deps: CliDeps, path: string): Promise<string> {
  try {
    return await deps.readFile(path);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    throw new Error(`cannot read --event ${path}${typeof code === 'string' ? ` (${code})` : ''}`, {
      cause: error,
    });
  }
}

const params = (values: readonly LookupParam[]): string[] => values.map(String);

/** Explain output without a database: cascades listed, not run. */
export function explainEvaluation(evaluation: Evaluation): ExplainOutput {
  return {
    ...evaluation,
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
    ...expansion,
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
