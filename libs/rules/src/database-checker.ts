import type { CompiledRule, RuleSet } from './rule-set-types.js';
import { problemAt, type RuleProblem, type SourceLocation } from './rules.errors.js';
import type { Placeholder } from './template-compiler.js';

/** What the checks need to know about one table. */
export interface TableInfo {
  readonly columns: readonly string[];
  /** Columns the before-image always carries: the replica identity index or primary key. */
  readonly identityColumns: readonly string[];
  readonly replicaIdentity: 'default' | 'full' | 'nothing' | 'index';
}

/** The port through which rules are checked against a live database (see `PgDatabase`). */
export interface RulesCatalog {
  /** The table's columns and replica identity, or null when it does not exist. */
  describeTable(table: string): Promise<TableInfo | null>;
  /** Prepares a lookup without reading rows: its result columns, or why it does not prepare. */
  describeLookup(
    sql: string,
    paramCount: number,
  ): Promise<{ readonly columns: readonly string[] } | { readonly error: string }>;
}

/**
 * Checks rules against the database: tables and referenced columns exist, tables whose rules read
 * non-key columns from the before-image have `REPLICA IDENTITY FULL`, and every lookup prepares
 * and returns the columns the cascaded entity's rules render.
 */
export async function checkAgainstDatabase(
  ruleSet: RuleSet,
  catalog: RulesCatalog,
): Promise<RuleProblem[]> {
  const problems: RuleProblem[] = [];
  const tables = new Map<string, TableInfo | null>();
  for (const entity of ruleSet.entities.values()) {
    const info = await catalog.describeTable(entity.table);
    tables.set(entity.name, info);
    if (info === null)
      problems.push(
        problemAt(
          entity.location,
          null,
          `entities.${entity.name}.table`,
          `table ${entity.table} does not exist`,
        ),
      );
  }
  for (const rule of ruleSet.rules) {
    for (const entity of rule.entities) {
      const info = tables.get(entity);
      if (info !== null && info !== undefined)
        problems.push(...checkColumns(rule, entity, info, ruleSet));
    }
    for (const target of rule.targets) {
      if (target.kind !== 'cascade') continue;
      const described = await catalog.describeLookup(target.lookup, target.params.length);
      if ('error' in described) {
        problems.push(
          problemAt(
            target.location,
            rule.name,
            'cascade.lookup',
            `the lookup does not prepare: ${described.error}`,
          ),
        );
        continue;
      }
      for (const cascaded of ruleSet.rulesFor(`${target.entity}.updated`)) {
        const missing = [...new Set(placeholdersOf(cascaded).map((p) => p.column))].filter(
          (c) => !described.columns.includes(c),
        );
        if (missing.length > 0) {
          problems.push(
            problemAt(
              target.location,
              rule.name,
              'cascade.lookup',
              `the lookup returns no column ${missing.join(', ')}, which rule "${cascaded.name}" renders for cascaded ${target.entity} rows; expected it in the SELECT list`,
            ),
          );
        }
      }
    }
  }
  return problems;
}

function checkColumns(
  rule: CompiledRule,
  entity: string,
  info: TableInfo,
  ruleSet: RuleSet,
): RuleProblem[] {
  const problems: RuleProblem[] = [];
  const table = ruleSet.entities.get(entity)?.table ?? entity;
  const at: SourceLocation = rule.location;
  const used = [
    ...new Set([...placeholdersOf(rule).map((p) => p.column), ...(rule.changed ?? [])]),
  ];
  const unknown = used.filter((column) => !info.columns.includes(column));
  if (unknown.length > 0) {
    problems.push(
      problemAt(at, rule.name, '', `table ${table} has no column ${unknown.join(', ')}`),
    );
  }
  if (info.replicaIdentity === 'full') return problems;
  const before = beforeColumns(rule, entity).filter(
    (c) => info.columns.includes(c) && !info.identityColumns.includes(c),
  );
  if (before.length > 0) {
    problems.push(
      problemAt(
        at,
        rule.name,
        '',
        `the rule reads non-key column${before.length === 1 ? '' : 's'} ${before.join(', ')} from the before-image, but ${table} has REPLICA IDENTITY ${info.replicaIdentity.toUpperCase()}; run ALTER TABLE ${table} REPLICA IDENTITY FULL`,
      ),
    );
  }
  return problems;
}

/** Columns the rule reads from the before-image of `entity`'s updates and deletes. */
function beforeColumns(rule: CompiledRule, entity: string): string[] {
  const matches = (verb: string) =>
    rule.on.includes(`${entity}.${verb}`) || rule.on.includes(`${entity}.*`);
  const updated = matches('updated');
  if (!updated && !matches('deleted')) return [];
  const columns = placeholdersOf(rule)
    .filter((p) => p.image === 'before' || p.image === null)
    .map((p) => p.column);
  if (updated) columns.push(...(rule.changed ?? []));
  return [...new Set(columns)];
}

function placeholdersOf(rule: CompiledRule): Placeholder[] {
  return rule.targets.flatMap((target) =>
    target.kind === 'cascade'
      ? [...target.params, ...(target.fallback?.template.placeholders ?? [])]
      : [...target.template.placeholders],
  );
}
