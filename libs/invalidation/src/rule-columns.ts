import type { ColumnProjection } from '#debezium';
import type { CompiledRule, RuleSet } from '#rules';

const projections = new WeakMap<RuleSet, ColumnProjection>();

/**
 * The columns the rules read from each mapped table's row images: placeholders of their keys,
 * tags, namespaces, patterns, cascade parameters and fallbacks, `when.changed` columns, and the
 * entity's version column. Tables no entity maps have no projection (they are decoded whole).
 * Built once per rule set (a reload brings a new one).
 */
export function columnsReadByRules(ruleSet: RuleSet): ColumnProjection {
  let projection = projections.get(ruleSet);
  if (projection === undefined) {
    projection = buildProjection(ruleSet);
    projections.set(ruleSet, projection);
  }
  return projection;
}

function buildProjection(ruleSet: RuleSet): ColumnProjection {
  const byEntity = new Map<string, Set<string>>();
  for (const [name, entity] of ruleSet.entities) {
    byEntity.set(name, new Set(entity.version === null ? [] : [entity.version]));
  }
  for (const rule of ruleSet.rules) {
    const columns = columnsOf(rule);
    for (const entity of rule.entities) {
      for (const column of columns) byEntity.get(entity)?.add(column);
    }
  }
  const byTable = new Map<string, ReadonlySet<string>>();
  for (const [table, entity] of ruleSet.entityByTable) {
    byTable.set(table, byEntity.get(entity) ?? new Set());
  }
  return (table) => byTable.get(table);
}

function columnsOf(rule: CompiledRule): string[] {
  const columns = [...(rule.changed ?? [])];
  for (const target of rule.targets) {
    if (target.kind === 'cascade') {
      columns.push(...target.params.map((p) => p.column));
      columns.push(...(target.fallback?.template.placeholders.map((p) => p.column) ?? []));
    } else {
      columns.push(...target.template.placeholders.map((p) => p.column));
    }
  }
  return columns;
}
