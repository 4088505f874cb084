import { readFile } from 'node:fs/promises';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { repoPath } from './repo-paths.js';

interface RuleTarget {
  key?: string;
  tag?: string;
  namespace?: string;
  pattern?: string;
  cascade?: { fallback?: { tag?: string; namespace?: string; pattern?: string } };
}
interface RulesDocument {
  entities: Record<string, { table: string }>;
  rules: { invalidate: RuleTarget[] }[];
}

/**
 * A rules file (YAML text) with its `public.` tables moved to `schema` and every key, tag,
 * namespace and pattern (cascade fallbacks included) under `prefix`.
 */
export function rewriteRules(source: string, schema: string, prefix: string): string {
  const document = parseYaml(source) as RulesDocument;
  for (const entity of Object.values(document.entities)) {
    entity.table = entity.table.replace(/^public\./, `${schema}.`);
  }
  for (const rule of document.rules) {
    for (const target of rule.invalidate) {
      if (target.key !== undefined) target.key = prefix + target.key;
      if (target.tag !== undefined) target.tag = prefix + target.tag;
      if (target.namespace !== undefined) target.namespace = prefix + target.namespace;
      if (target.pattern !== undefined) target.pattern = prefix + target.pattern;
      const fallback = target.cascade?.fallback;
      if (fallback?.tag !== undefined) fallback.tag = prefix + fallback.tag;
      if (fallback?.namespace !== undefined) fallback.namespace = prefix + fallback.namespace;
      if (fallback?.pattern !== undefined) fallback.pattern = prefix + fallback.pattern;
    }
  }
  return stringifyYaml(document);
}

/** rules/catalog.yaml (the demo rules) rewritten by {@link rewriteRules}. */
export async function isolatedRules(schema: string, prefix: string): Promise<string> {
  return rewriteRules(await readFile(repoPath('rules', 'catalog.yaml'), 'utf8'), schema, prefix);
}
