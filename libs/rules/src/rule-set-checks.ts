import { buildDispatch } from './rule-dispatch-builder.js';
import type { CascadeTarget, CompiledRule, EntityDefinition, Located } from './rule-set-types.js';
import { problemAt, where, type RuleProblem, type SourceLocation } from './rules.errors.js';
import type { Placeholder } from './template-compiler.js';
import { parseEventName } from './event-name.js';

/** What every rule is checked against. */
interface CheckContext {
  readonly entities: ReadonlyMap<string, EntityDefinition>;
  /** The entity names, for messages. */
  readonly known: string;
  readonly rulesFor: (event: string) => readonly CompiledRule[];
  /** First definition of each rule name seen so far. */
  readonly seen: Map<string, SourceLocation>;
}

/** Reports problems of one rule at a field. */
type Report = (at: SourceLocation, field: string, message: string) => void;

/** Checks that need every file at once: names, references, placeholders, lookups and cycles. */
export function checkRuleSet(
  entities: ReadonlyMap<string, EntityDefinition>,
  rules: readonly Located<CompiledRule>[],
): RuleProblem[] {
  const context: CheckContext = {
    entities,
    known: [...entities.keys()].join(', ') || '(none)',
    rulesFor: buildDispatch(rules.map((r) => r.value)),
    seen: new Map(),
  };
  const problems: RuleProblem[] = [];
  for (const located of rules) {
    const report: Report = (at, field, message) =>
      problems.push(problemAt(at, located.value.name, field, message));
    checkRule(located, context, report);
  }
  problems.push(...findCycles(rules));
  return problems;
}

function checkRule(located: Located<CompiledRule>, context: CheckContext, report: Report): void {
  const { value: rule, location, at } = located;
  const first = context.seen.get(rule.name);
  if (first !== undefined)
    report(location, 'name', `duplicate rule name; first defined at ${where(first)}`);
  else context.seen.set(rule.name, location);
  rule.on.forEach((selector, i) => {
    const { entity } = parseEventName(selector);
    if (!context.entities.has(entity))
      report(
        at(['on', i]),
        `on[${i}]`,
        `unknown entity "${entity}"; expected one of: ${context.known}`,
      );
  });
  rule.changed?.forEach((column, i) => {
    const placeholder = { column, image: null, text: column };
    checkColumns(
      rule,
      context,
      [placeholder],
      report,
      at(['when', 'changed', i]),
      `when.changed[${i}]`,
    );
  });
  rule.targets.forEach((target, j) => {
    const field = `invalidate[${j}]`;
    if (target.kind !== 'cascade') {
      const { placeholders } = target.template;
      checkColumns(
        rule,
        context,
        placeholders,
        report,
        at(['invalidate', j]),
        `${field}.${target.kind}`,
      );
      return;
    }
    checkCascade(rule, target, context, report, (path) => at(['invalidate', j, ...path]), field);
  });
}

/** Each placeholder must name a declared column of every entity the rule listens to. */
function checkColumns(
  rule: CompiledRule,
  context: CheckContext,
  placeholders: readonly Placeholder[],
  report: Report,
  at: SourceLocation,
  field: string,
): void {
  for (const entity of rule.entities) {
    const columns = context.entities.get(entity)?.columns;
    if (columns == null) continue;
    for (const p of placeholders) {
      if (!columns.includes(p.column)) {
        report(
          at,
          field,
          `unknown placeholder {${p.text}}: entity "${entity}" declares no column "${p.column}" (columns: ${columns.join(', ')})`,
        );
      }
    }
  }
}

function checkCascade(
  rule: CompiledRule,
  target: CascadeTarget,
  context: CheckContext,
  report: Report,
  at: (path: readonly PropertyKey[]) => SourceLocation,
  field: string,
): void {
  checkColumns(
    rule,
    context,
    target.params,
    report,
    at(['cascade', 'params']),
    `${field}.cascade.params`,
  );
  if (target.fallback !== null) {
    const { placeholders } = target.fallback.template;
    checkColumns(rule, context, placeholders, report, at([]), `${field}.cascade.fallback`);
  }
  checkCascadeEntity(target, context, report, at, field);
  checkLookup(target, (message) => {
    report(at(['cascade', 'lookup']), `${field}.cascade.lookup`, message);
  });
}

/** The cascaded entity must exist and have a rule that its rows can trigger. */
function checkCascadeEntity(
  target: CascadeTarget,
  context: CheckContext,
  report: Report,
  at: (path: readonly PropertyKey[]) => SourceLocation,
  field: string,
): void {
  if (!context.entities.has(target.entity)) {
    report(
      at(['cascade', 'entity']),
      `${field}.cascade.entity`,
      `unknown entity "${target.entity}"; expected one of: ${context.known}`,
    );
  } else if (context.rulesFor(`${target.entity}.updated`).length === 0) {
    report(
      at([]),
      `${field}.cascade.entity`,
      `cascade to "${target.entity}" would run no rule: expected a rule with on: [${target.entity}.updated] or [${target.entity}.*]`,
    );
  }
}

/** One SELECT, values only through $1…$n, exactly one parameter per param. */
function checkLookup(target: CascadeTarget, report: (message: string) => void): void {
  if (target.lookup.includes(';')) report('expected a single SELECT without ";"');
  if (/[{}]/.test(target.lookup)) {
    report(
      'the lookup contains braces; pass row values as $1, $2, … with params, never by interpolation',
    );
  }
  const used = [...target.lookup.matchAll(/\$(\d+)/g)].map((m) => Number(m[1]));
  const highest = Math.max(0, ...used);
  if (highest !== target.params.length || new Set(used).size !== highest) {
    report(
      `the lookup uses ${highest === 0 ? 'no parameters' : `$1…$${highest}`} but params lists ${target.params.length}; expected $1…$n for the n params`,
    );
  }
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
