import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileRules, graph } from './index.js';

const demo = compileRules([
  {
    path: 'rules/catalog.yaml',
    text: readFileSync(new URL('../../../rules/catalog.yaml', import.meta.url), 'utf8'),
  },
]);

describe('graph', () => {
  it('renders entities, rules, derived keys/tags/namespaces/patterns and cascade edges as mermaid', () => {
    const text = graph(demo, 'mermaid');
    expect(text.startsWith('flowchart LR\n')).toBe(true);
    expect(text).toContain('e_product[("product<br/>public.products")]');
    expect(text).toContain('e_product -->|"created, updated, deleted"| r0');
    expect(text).toContain('(["key product:{id}"])');
    expect(text).toContain('{{"tag product:{id}"}}');
    expect(text).toContain('[["namespace search"]]');
    expect(text).toContain('[/"pattern product:*"/]');
    expect(text).toContain(
      'r2 -.->|"cascade $1=id<br/>fallback tag category:{id}:products"| e_product',
    );
  });

  it('renders the same graph as dot', () => {
    const text = graph(demo, 'dot');
    expect(text).toMatch(/^digraph rules \{\n {2}rankdir=LR;\n/);
    expect(text).toContain('e_category [shape=cylinder, label="category\\npublic.categories"];');
    expect(text).toMatch(/t\d+ \[shape=folder, label="namespace search"\];/);
    expect(text).toContain(
      'r3 -> e_product [label="cascade $1=id\\nfallback pattern product:*", style=dashed];',
    );
    expect(text.endsWith('}\n')).toBe(true);
  });

  it('is deterministic', () => {
    expect(graph(demo, 'mermaid')).toBe(graph(demo, 'mermaid'));
  });
});
