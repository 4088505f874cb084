import { describe, expect, it } from 'vitest';
import { compileRules, ruleSetWarnings } from './index.js';

const ruleSet = (rules: string) =>
  compileRules([
    {
      path: 'w.yaml',
      text: `version: 1\nentities:\n  product: { table: public.products }\nrules:\n${rules}`,
    },
  ]);

describe('ruleSetWarnings', () => {
  it('warns on a pattern attached to created, updated, deleted or *, pointing at the target', () => {
    const warnings = ruleSetWarnings(
      ruleSet(`  - name: hot
    on: [product.updated, product.truncated]
    invalidate:
      - key: 'product:{id}'
      - pattern: 'search:*'
  - name: any
    on: [product.*]
    invalidate: [{ pattern: 'p:*' }]
`),
    );
    expect(warnings).toEqual([
      expect.objectContaining({
        file: 'w.yaml',
        line: 9,
        rule: 'hot',
        field: 'invalidate[1].pattern',
        message: expect.stringMatching(/^pattern "search:\*" on product\.updated scans/) as string,
      }),
      expect.objectContaining({ rule: 'any', field: 'invalidate[0].pattern', line: 12 }),
    ]);
  });

  it('stays quiet for patterns on truncates and rare events, and for namespaces anywhere', () => {
    const warnings = ruleSetWarnings(
      ruleSet(`  - name: bulk
    on: [product.truncated, product.read]
    invalidate: [{ pattern: 'product:*' }]
  - name: search
    on: [product.updated]
    invalidate: [{ namespace: 'search' }]
`),
    );
    expect(warnings).toEqual([]);
  });

  it('finds nothing to warn about in the demo rules', async () => {
    const { readFile } = await import('node:fs/promises');
    const text = await readFile(new URL('../../../rules/catalog.yaml', import.meta.url), 'utf8');
    expect(ruleSetWarnings(compileRules([{ path: 'rules/catalog.yaml', text }]))).toEqual([]);
  });
});
