import { checkRuleSet } from './rule-set-checks.js';
import { buildDispatch } from './rule-dispatch-builder.js';
import type {
  CascadeFallback,
  CompiledRule,
  CompiledTarget,
  EntityDefinition,
  Located,
  RuleSet,
} from './rule-set-types.js';
import {
  problemAt,
  RulesInvalidError,
  where,
  type RuleProblem,
  type SourceLocation,
} from './rules.errors.js';
import {
  rulesFileSchema,
  type CascadeDefinition,
  type RuleDefinition,
  type TargetDefinition,
} from './rules-schema.js';
import { compileTemplate, parsePlaceholder } from './template-compiler.js';
import { parseYamlSource, type ParsedSource, type RuleSource } from './yaml-source-parser.js';
import { issuesToProblems } from './zod-issue-formatter.js';
import { parseEventName } from './event-name.js';

/**
 * Parses, validates and compiles rule files into an immutable {@link RuleSet}. Pure: the caller
 * reads the files. Sources are processed in path order so results never depend on input order.
 *
 * @throws RulesInvalidError listing every problem of every file.
 */
export function compileRules(sources: readonly RuleSource[]): RuleSet {
  const problems: RuleProblem[] = [];
  const entities = new Map<string, EntityDefinition>();
  const rules: Located<CompiledRule>[] = [];
  const sorted = [...sources].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  for (const source of sorted) {
    const parsed = parseYamlSource(source);
    problems.push(...parsed.problems);
    if (parsed.problems.length > 0) continue;
    const result = rulesFileSchema.safeParse(parsed.data);
    if (!result.success) {
      problems.push(...issuesToProblems(result.error.issues, parsed));
      continue;
    }
    const at = locator(parsed);
    for (const [name, entity] of Object.entries(result.data.entities ?? {})) {
      const location = at(['entities', name]);
      const existing = entities.get(name);
      if (existing !== undefined) {
        problems.push(
          problemAt(
            location,
            null,
            `entities.${name}`,
            `entity "${name}" is already defined at ${where(existing.location)}`,
          ),
        );
        continue;
      }
      if (
        entity.version !== undefined &&
        entity.columns !== undefined &&
        !entity.columns.includes(entity.version)
      ) {
        problems.push(
          problemAt(
            at(['entities', name, 'version']),
            null,
            `entities.${name}.version`,
            `version column "${entity.version}" is not among the entity's columns (${entity.columns.join(', ')})`,
          ),
        );
      }
      entities.set(name, {
        name,
        table: entity.table,
        columns: entity.columns ?? null,
        version: entity.version ?? null,
        location,
      });
    }
    result.data.rules?.forEach((rule, index) => {
      const ruleAt = (path: readonly PropertyKey[]) => at(['rules', index, ...path]);
      rules.push({ value: compileRule(rule, ruleAt), location: ruleAt([]), at: ruleAt });
    });
  }
  problems.push(...checkRuleSet(entities, rules));
  if (problems.length > 0) throw new RulesInvalidError(problems);
  return buildRuleSet(
    sorted.map((s) => s.path),
    entities,
    rules.map((r) => r.value),
  );
}

function compileRule(
  rule: RuleDefinition,
  at: (path: readonly PropertyKey[]) => SourceLocation,
): CompiledRule {
  const entities = [...new Set(rule.on.map((selector) => parseEventName(selector).entity))];
  return {
    name: rule.name,
    description: rule.description ?? null,
    on: rule.on,
    entities,
    changed: rule.when?.changed ?? null,
    targets: rule.invalidate.map((target, index) =>
      compileTarget(target, at(['invalidate', index])),
    ),
    location: at([]),
  };
}

function compileTarget(target: TargetDefinition, location: SourceLocation): CompiledTarget {
  if ('key' in target)
    return { kind: 'key', template: compileTemplate(target.key, false), location };
  if ('tag' in target)
    return { kind: 'tag', template: compileTemplate(target.tag, false), location };
  if ('namespace' in target)
    return { kind: 'namespace', template: compileTemplate(target.namespace, false), location };
  if ('pattern' in target) {
    return { kind: 'pattern', template: compileTemplate(target.pattern, true), location };
  }
  const { cascade } = target;
  return {
    kind: 'cascade',
    entity: cascade.entity,
    lookup: cascade.lookup,
    params: cascade.params.map(parsePlaceholder),
    fallback: cascade.fallback === undefined ? null : compileFallback(cascade.fallback),
    location,
  };
}

function compileFallback(fallback: NonNullable<CascadeDefinition['fallback']>): CascadeFallback {
  if ('tag' in fallback) return { kind: 'tag', template: compileTemplate(fallback.tag, false) };
  if ('namespace' in fallback) {
    return { kind: 'namespace', template: compileTemplate(fallback.namespace, false) };
  }
  return { kind: 'pattern', template: compileTemplate(fallback.pattern, true) };
}

function buildRuleSet(
  files: string[],
  entities: Map<string, EntityDefinition>,
  rules: CompiledRule[],
): RuleSet {
  const entityByTable = new Map([...entities.values()].map((e) => [e.table, e.name]));
  const edges = rules.flatMap((rule) =>
    rule.targets.flatMap((target) =>
      target.kind === 'cascade'
        ? rule.entities.map((from) => ({ from, to: target.entity, rule: rule.name }))
        : [],
    ),
  );
  return deepFreeze({
    files,
    entities,
    entityByTable,
    rules,
    edges,
    rulesFor: buildDispatch(rules),
  });
}

function locator(parsed: ParsedSource): (path: readonly PropertyKey[]) => SourceLocation {
  return (path) => ({ file: parsed.path, ...parsed.locate(path) });
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    const children = value instanceof Map ? [...value.values()] : Object.values(value);
    for (const child of children) deepFreeze(child);
  }
  return value;
}
