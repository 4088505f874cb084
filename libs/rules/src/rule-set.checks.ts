import { buildDispatch } from './rule-dispatch.builder.js';
import type { CompiledRule, EntityDefinition, Located } from './rule-set.types.js';
import { problemAt, where, type RuleProblem, type SourceLocation } from './rules.errors.js';
import type { Placeholder } from './template.compiler.js';
import { parseEventName } from './event-name.js';

/** Checks that need every file at once: names, references, placeholders, lookups and cycles. */
export function checkRuleSet(
  entities: ReadonlyMap<string, EntityDefinition>,
  rules: readonly Located<CompiledRule>[],
): RuleProblem[] {
  const problems: RuleProblem[] = [];
  const report = (rule: CompiledRule, at: SourceLocation, field: string, message: string) =>
    problems.push(problemAt(at, rule.name, field, message));
  const seen = new Map<string, SourceLocation>();
  const rulesFor = buildDispatch(rules.map((r) => r.value));
  const known = [...entities.keys()].join(', ') || '(none)';
  for (const { value: rule, location, at } of rules) {
    const first = seen.get(rule.name);
    if (first !== undefined)
      report(rule, location, 'name', `duplicate rule name; first defined at ${where(first)}`);
    else seen.set(rule.name, location);
    rule.on.forEach((selector, i) => {
      const entity = parseEventName(selector).entity;
      if (!entities.has(entity))
        report(
          rule,
          at(['on', i]),
          `on[${i}]`,
          `unknown entity "${entity}"; expected one of: ${known}`,
        );
    });
    const columnsOk = (
      placeholders: readonly Placeholder[],
      field: string,
      loc: SourceLocation,
    ) => {
      for (const entity of rule.entities) {
        const columns = entities.get(entity)?.columns;
        for (const p of placeholders) {
          if (columns != null && !columns.includes(p.column)) {
            report(
              rule,
              loc,
              field,
              `unknown placeholder {${p.text}}: entity "${entity}" declares no column "${p.column}" (columns: ${columns.join(', ')})`,
            );
          }
        }
      }
    };
    rule.changed?.forEach((column, i) => {
      columnsOk(
        [{ column, image: null, text: column }],
        `when.changed[${i}]`,
        at(['when', 'changed', i]),
      );
    });
    rule.targets.forEach((target, j) => {
      const field = `invalidate[${j}]`;
      const loc = at(['invalidate', j]);
      if (target.kind !== 'cascade') {
        columnsOk(target.template.placeholders, `${field}.${target.kind}`, loc);
        return;
      }
      columnsOk(
        target.params,
        `${field}.cascade.params`,
        at(['invalidate', j, 'cascade', 'params']),
      );
      if (target.fallback !== null)
        columnsOk(target.fallback.template.placeholders, `${field}.cascade.fallback`, loc);
      const lookupAt = at(['invalidate', j, 'cascade', 'lookup']);
      if (!entities.has(target.entity)) {
        report(
          rule,
          at(['invalidate', j, 'cascade', 'entity']),
          `${field}.cascade.entity`,
          `unknown entity "${target.entity}"; expected one of: ${known}`,
        );
      } else if (rulesFor(`${target.entity}.updated`).length === 0) {
        report(
          rule,
          loc,
          `${field}.cascade.entity`,
          `cascade to "${target.entity}" would run no rule: expected a rule with on: [${target.entity}.updated] or [${target.entity}.*]`,
        );
      }
      if (target.lookup.includes(';')) {
        report(rule, lookupAt, `${field}.cascade.lookup`, 'expected a single SELECT without ";"');
      }
      if (/[{}]/.test(target.lookup)) {
        report(
          rule,
          lookupAt,
          `${field}.cascade.lookup`,
          'the lookup contains braces; pass row values as $1, $2, … with params, never by interpolation',
        );
      }
      const used = [...target.lookup.matchAll(/\$(\d+)/g)].map((m) => Number(m[1]));
      const highest = Math.max(0, ...used);
      if (highest !== target.params.length || new Set(used).size !== highest) {
        report(
          rule,
          lookupAt,
          `${field}.cascade.lookup`,
          `the lookup uses ${highest === 0 ? 'no parameters' : `$1…$${highest}`} but params lists ${target.params.length}; expected $1…$n for the n params`,
        );
      }
    });
  }
  problems.push(...findCycles(rules));
  return problems;
}

/** Reports each cascade edge that closes a cycle (a → … → a), once per cycle. */
function findCycles(rules: readonly Located<CompiledRule>[]): RuleProblem[] {
  const edges = new Map<
    string,
    { to: string; rule: CompiledRule; at: SourceLocation; field: string }[]
  >();
  for (const { value: rule, at } of rules) {
    rule.targets.forEach((target, j) => {
      if (target.kind !== 'cascade') return;
      for (const from of rule.entities) {
        const list = edges.get(from) ?? [];
        list.push({
          to: target.entity,
          rule,
          at: at(['invalidate', j, 'cascade']),
          field: `invalidate[${j}].cascade`,
        });
        edges.set(from, list);
      }
    });
  }
  const problems: RuleProblem[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (entity: string, trail: string[]) => {
    state.set(entity, 'visiting');
    for (const edge of edges.get(entity) ?? []) {
      if (state.get(edge.to) === 'visiting') {
        const path = [...trail, entity];
        const cycle = [...path.slice(path.indexOf(edge.to)), edge.to].join(' → ');
        problems.push(
          problemAt(
            edge.at,
            edge.rule.name,
            edge.field,
            `cascade cycle ${cycle}; cascades must form a graph without cycles`,
          ),
        );
      } else if (state.get(edge.to) === undefined) {
        visit(edge.to, [...trail, entity]);
      }
    }
    state.set(entity, 'done');
  };
  for (const entity of [...edges.keys()].sort()) if (!state.has(entity)) visit(entity, []);
  return problems;
}
