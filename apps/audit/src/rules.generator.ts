import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';

interface RuleTarget {
  key?: string;
  tag?: string;
  pattern?: string;
  cascade?: { fallback?: { tag?: string; pattern?: string } };
}
interface RulesDocument {
  entities: Record<string, { table: string }>;
  rules: { invalidate: RuleTarget[] }[];
}

/** rules/catalog.yaml with its tables in `schema` and every key, tag and pattern under `prefix`. */
export async function auditRules(root: string, schema: string, prefix: string): Promise<string> {
  const source = await readFile(join(root, 'rules', 'catalog.yaml'), 'utf8');
  const document = parseYaml(source) as RulesDocument;
  for (const entity of Object.values(document.entities)) {
    entity.table = entity.table.replace(/^public\./, `${schema}.`);
  }
  for (const rule of document.rules) {
    for (const target of rule.invalidate) {
      if (target.key !== undefined) target.key = prefix + target.key;
      if (target.tag !== undefined) target.tag = prefix + target.tag;
      if (target.pattern !== undefined) target.pattern = prefix + target.pattern;
      const fallback = target.cascade?.fallback;
      if (fallback?.tag !== undefined) fallback.tag = prefix + fallback.tag;
      if (fallback?.pattern !== undefined) fallback.pattern = prefix + fallback.pattern;
    }
  }
  return stringifyYaml(document);
}
