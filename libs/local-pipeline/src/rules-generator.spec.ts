import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { repoPath } from './repo-paths.js';
import { isolatedRules, rewriteRules } from './rules-generator.js';

const source = `
version: 1
entities:
  product: { table: public.products, key: id }
  audit: { table: other.audit, key: id }
rules:
  - on: { entity: product, ops: [u] }
    invalidate:
      - key: "product:{{id}}"
      - tag: "product:{{id}}"
      - namespace: "search"
      - pattern: "search:*"
      - cascade: { fallback: { tag: "all", pattern: "category:*" } }
      - cascade: { fallback: { namespace: "category:{{id}}" } }
`;

describe('rewriteRules', () => {
  it('moves public tables to the schema and prefixes keys, tags, namespaces, patterns and fallbacks', () => {
    const out = parse(rewriteRules(source, 't_x', 'p:')) as {
      entities: Record<string, { table: string }>;
      rules: { invalidate: Record<string, unknown>[] }[];
    };
    expect(out.entities.product?.table).toBe('t_x.products');
    expect(out.entities.audit?.table).toBe('other.audit');
    expect(out.rules[0]?.invalidate).toEqual([
      { key: 'p:product:{{id}}' },
      { tag: 'p:product:{{id}}' },
      { namespace: 'p:search' },
      { pattern: 'p:search:*' },
      { cascade: { fallback: { tag: 'p:all', pattern: 'p:category:*' } } },
      { cascade: { fallback: { namespace: 'p:category:{{id}}' } } },
    ]);
  });
});

describe('isolatedRules', () => {
  it('rewrites rules/catalog.yaml, found from the repository root', async () => {
    const demo = await readFile(repoPath('rules', 'catalog.yaml'), 'utf8');
    const rewritten = await isolatedRules('s1', 'pre:');
    expect(rewritten).toBe(rewriteRules(demo, 's1', 'pre:'));
    expect(rewritten).not.toMatch(/table: public\./);
    expect(rewritten).toMatch(/key: pre:product:/);
  });
});
