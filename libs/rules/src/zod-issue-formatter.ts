import type { z } from 'zod';
import type { RuleProblem } from './rules.errors.js';
import {
  cascadeSchema,
  entitySchema,
  ruleSchema,
  rulesFileSchema,
  whenSchema,
} from './rules-schema.js';
import type { ParsedSource } from './yaml-source-parser.js';

type Issue = z.core.$ZodIssue;
type Path = readonly PropertyKey[];

/** Turns zod's issues into problems that name the file, position, rule and field. */
export function issuesToProblems(issues: readonly Issue[], source: ParsedSource): RuleProblem[] {
  return flatten(issues, []).map(({ path, message }) => {
    const { line, column } = source.locate(path);
    return {
      file: source.path,
      line,
      column,
      rule: ruleName(source.data, path),
      field: fieldOf(path),
      message,
    };
  });
}

interface Flat {
  readonly path: Path;
  readonly message: string;
}

function flatten(issues: readonly Issue[], prefix: Path): Flat[] {
  return issues.flatMap((issue): Flat[] => {
    const path = [...prefix, ...issue.path];
    if (issue.code === 'invalid_union') {
      const branch = bestBranch(issue.errors);
      return branch === undefined ? [{ path, message: issue.message }] : flatten(branch, path);
    }
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({
        path: [...path, key],
        message: `unknown field "${key}"; expected one of: ${allowedKeys(path).join(', ')}`,
      }));
    }
    if (issue.code === 'invalid_key') {
      const inner = issue.issues[0]?.message ?? issue.message;
      return [{ path, message: `invalid name "${String(path.at(-1))}": ${inner}` }];
    }
    return [{ path, message: describe(issue) }];
  });
}

/** The union branch that got furthest: no problem at its own top level (wrong or missing key). */
function bestBranch(branches: readonly (readonly Issue[])[]): readonly Issue[] | undefined {
  return branches.find((issues) =>
    issues.every((issue) => issue.path.length > 0 && !isMissing(issue)),
  );
}

function isMissing(issue: Issue): boolean {
  return (
    issue.code === 'invalid_type' &&
    issue.path.length === 1 &&
    / received undefined$/.test(issue.message)
  );
}

function describe(issue: Issue): string {
  // eslint-disable-next-line @typescript-eslint/switch-exhaustiveness-check -- other codes keep zod's text
  switch (issue.code) {
    case 'invalid_type':
      return issue.message
        .replace(/^Invalid input: /, '')
        .replace(/received undefined$/, 'but it is missing');
    case 'too_small':
      return issue.message.startsWith('Too small')
        ? `expected at least ${String(issue.minimum)} item(s)`
        : issue.message;
    case 'invalid_value':
      return issue.message.replace(/^Invalid input: /, '');
    default:
      return issue.message;
  }
}

const keysOf = (schema: { shape: object }): string[] => Object.keys(schema.shape);

function allowedKeys(path: Path): string[] {
  const last = path.at(-1);
  if (path.length === 0) return keysOf(rulesFileSchema);
  if (path[0] === 'entities') return keysOf(entitySchema);
  if (last === 'when') return keysOf(whenSchema);
  if (last === 'cascade') return keysOf(cascadeSchema);
  if (last === 'fallback') return ['tag', 'pattern'];
  if (path.includes('invalidate')) return ['key', 'tag', 'pattern', 'cascade'];
  return keysOf(ruleSchema);
}

/** `rules[0].invalidate[1].key` */
export function fieldOf(path: Path): string {
  return path
    .map((segment, index) =>
      typeof segment === 'number' ? `[${segment}]` : `${index === 0 ? '' : '.'}${String(segment)}`,
    )
    .join('');
}

/** The name of the rule at `rules[i]`, when the path is inside one and it has a string name. */
export function ruleName(data: unknown, path: Path): string | null {
  if (path[0] !== 'rules' || typeof path[1] !== 'number') return null;
  const rules = (data as { rules?: unknown } | null)?.rules;
  const rule: unknown = Array.isArray(rules) ? rules[path[1]] : undefined;
  const name = (rule as { name?: unknown } | undefined)?.name;
  return typeof name === 'string' ? name : null;
}
