import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileRules, RulesInvalidError, type RuleProblem } from './index.js';

const demo = {
  path: 'rules/catalog.yaml',
  text: readFileSync(new URL('../../../rules/catalog.yaml', import.meta.url), 'utf8'),
};

const entities = `version: 1
entities:
  product: { table: public.products }
  category: { table: public.categories }
`;

function problems(...texts: string[]): RuleProblem[] {
  try {
    compileRules(texts.map((text, i) => ({ path: `r${i}.yaml`, text })));
  } catch (error) {
    if (error instanceof RulesInvalidError) return [...error.problems];
    throw error;
  }
  throw new Error('expected the rules to be invalid');
}

describe('compileRules', () => {
  it('compiles the demo rules into an immutable rule set', () => {
    const ruleSet = compileRules([demo]);
    expect([...ruleSet.entities.keys()]).toEqual(['brand', 'category', 'product']);
    expect(ruleSet.entityByTable.get('public.products')).toBe('product');
    expect(ruleSet.rules.map((r) => r.name)).toEqual([
      'product-pages',
      'product-bulk',
      'category-pages',
      'brand-pages',
    ]);
    expect(ruleSet.edges).toEqual([
      { from: 'category', to: 'product', rule: 'category-pages' },
      { from: 'brand', to: 'product', rule: 'brand-pages' },
    ]);
    expect(Object.isFrozen(ruleSet.rules)).toBe(true);
    expect(Object.isFrozen(ruleSet.rules[0]?.targets[0])).toBe(true);
  });

  it('reports every error with file, line, column, rule, field and what was expected', () => {
    const found = problems(`version: 1
entities:
  product: { table: products }
rules:
  - name: product-pages
    on: [product.changed]
    invalidate:
      - key: 42
      - pattern: "*"
      - { tag: "a", key: "b" }
`);
    expect(found).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          file: 'r0.yaml',
          line: 3,
          field: 'entities.product.table',
          message: expect.stringContaining('schema-qualified') as unknown,
        }),
        expect.objectContaining({
          line: 6,
          rule: 'product-pages',
          field: 'rules[0].on[0]',
          message: expect.stringContaining('<entity>.*') as unknown,
        }),
        expect.objectContaining({
          line: 8,
          column: 14,
          field: 'rules[0].invalidate[0].key',
          message: 'expected string, received number',
        }),
        expect.objectContaining({
          line: 9,
          field: 'rules[0].invalidate[1].pattern',
          message: expect.stringContaining('literal character') as unknown,
        }),
      ]),
    );
    expect(found).toContainEqual(
      expect.objectContaining({
        line: 10,
        message: 'expected exactly one of "key", "tag", "namespace", "pattern" or "cascade"',
      }),
    );
  });

  it('names unknown fields and the fields expected instead', () => {
    const found = problems(
      `${entities}rules:\n  - name: x\n    on: [product.created]\n    invalidat: []\n`,
    );
    expect(found.map((p) => [p.line, p.field, p.message])).toEqual([
      [6, 'rules[0].invalidate', 'expected array, but it is missing'],
      [
        8,
        'rules[0].invalidat',
        'unknown field "invalidat"; expected one of: name, description, on, when, invalidate',
      ],
    ]);
  });

  it('reports YAML syntax errors with their position and keeps checking other files', () => {
    const found = problems('version: 1\nrules: [\n', `version: 2\n`);
    expect(found.map((p) => p.file)).toEqual(['r0.yaml', 'r1.yaml']);
    expect(found[0]?.message).toMatch(/^invalid YAML/);
    expect(found[1]).toMatchObject({ line: 1, field: 'version', message: 'expected version: 1' });
  });

  it('rejects duplicate entity, table and rule names across files', () => {
    const rule = `rules:\n  - name: same\n    on: [product.created]\n    invalidate: [{ key: "p:{id}" }]\n`;
    const found = problems(
      `${entities}${rule}`,
      `version: 1\nentities:\n  product: { table: public.other }\n${rule}`,
    );
    expect(found.map((p) => p.message)).toEqual([
      expect.stringMatching(/entity "product" is already defined at r0\.yaml:3:12/),
      expect.stringMatching(/duplicate rule name; first defined at r0\.yaml:6:5/),
    ]);
  });

  it('rejects unknown entities in on and cascades, listing the known ones', () => {
    const found = problems(`${entities}rules:
  - name: a
    on: [brand.updated]
    invalidate:
      - cascade: { entity: shop, lookup: "SELECT id FROM shops WHERE brand_id = $1", params: [id] }
`);
    expect(found.map((p) => p.message)).toEqual([
      'unknown entity "brand"; expected one of: product, category',
      'unknown entity "shop"; expected one of: product, category',
    ]);
  });

  it('rejects placeholders that are not declared columns', () => {
    const found = problems(`version: 1
entities:
  product: { table: public.products, columns: [id, category_id] }
rules:
  - name: a
    on: [product.updated]
    when: { changed: [price] }
    invalidate: [{ key: "p:{before.sku}" }]
`);
    expect(found.map((p) => p.field)).toEqual(['when.changed[0]', 'invalidate[0].key']);
    expect(found[1]?.message).toMatch(/unknown placeholder \{before\.sku\}/);
  });

  it('rejects lookups whose $n do not match params, and interpolation', () => {
    const found = problems(`${entities}rules:
  - name: p
    on: [product.updated]
    invalidate: [{ key: "p:{id}" }]
  - name: c
    on: [category.updated]
    invalidate:
      - cascade: { entity: product, lookup: "SELECT id FROM products WHERE a = $1 AND b = $2", params: [id] }
      - cascade: { entity: product, lookup: "SELECT id FROM products WHERE a = '{id}'", params: [] }
`);
    expect(found.map((p) => p.message)).toEqual([
      expect.stringContaining('uses $1…$2 but params lists 1'),
      expect.stringContaining('never by interpolation'),
    ]);
  });

  it('rejects cascade cycles, including self-loops', () => {
    const cascade = (from: string, to: string) => `  - name: ${from}-to-${to}
    on: [${from}.updated]
    invalidate:
      - cascade: { entity: ${to}, lookup: "SELECT * FROM t WHERE x = $1", params: [id] }
`;
    const two = problems(
      `${entities}rules:\n${cascade('product', 'category')}${cascade('category', 'product')}`,
    );
    expect(two.map((p) => p.message)).toEqual([
      expect.stringContaining('cascade cycle category → product → category'),
    ]);
    const self = problems(`${entities}rules:\n${cascade('category', 'category')}`);
    expect(self[0]?.message).toContain('cascade cycle category → category');
  });

  it('rejects a cascade to an entity that no rule handles as updated', () => {
    const found = problems(`${entities}rules:
  - name: c
    on: [category.updated]
    invalidate:
      - cascade: { entity: product, lookup: "SELECT id FROM products WHERE c = $1", params: [id] }
`);
    expect(found[0]?.message).toMatch(/would run no rule/);
  });

  it('requires a literal prefix before any wildcard or placeholder in patterns', () => {
    for (const pattern of ['*', '?x', '[a]x', '{id}*', '\\\\*']) {
      const found = problems(
        `${entities}rules:\n  - name: p\n    on: [product.updated]\n    invalidate: [{ pattern: '${pattern}' }]\n`,
      );
      expect(found[0]?.field).toBe('rules[0].invalidate[0].pattern');
    }
    expect(() =>
      compileRules([
        {
          path: 'a.yaml',
          text: `${entities}rules:\n  - name: p\n    on: [product.updated]\n    invalidate: [{ pattern: 's:{id}:*' }]\n`,
        },
      ]),
    ).not.toThrow();
  });

  it('accepts namespace templates and rejects glob characters or a leading placeholder in them', () => {
    for (const namespace of ['*', 'search*', 'a?b', '[a]', '{id}', 'a\\\\b']) {
      const found = problems(
        `${entities}rules:\n  - name: n\n    on: [product.updated]\n    invalidate: [{ namespace: '${namespace}' }]\n`,
      );
      expect(found[0]?.field, namespace).toBe('rules[0].invalidate[0].namespace');
      expect(found[0]?.message).toMatch(/expected a namespace name/);
    }
    const ruleSet = compileRules([
      {
        path: 'a.yaml',
        text: `${entities}rules:\n  - name: n\n    on: [product.updated]\n    invalidate: [{ namespace: 'category:{category_id}' }]\n`,
      },
    ]);
    expect(ruleSet.rules[0]?.targets[0]).toMatchObject({
      kind: 'namespace',
      template: { source: 'category:{category_id}' },
    });
  });

  it('checks namespace placeholders against the declared columns', () => {
    const found = problems(`version: 1
entities:
  product: { table: public.products, columns: [id] }
rules:
  - name: a
    on: [product.updated]
    invalidate: [{ namespace: "p:{sku}" }]
`);
    expect(found.map((p) => p.field)).toEqual(['invalidate[0].namespace']);
  });

  it('rejects malformed placeholders', () => {
    const found = problems(
      `${entities}rules:\n  - name: p\n    on: [product.updated]\n    invalidate: [{ key: 'p:{id' }, { key: 'p:{old.id}' }, { key: '{}' }]\n`,
    );
    expect(found).toHaveLength(3);
  });

  it('compiles sources in path order whatever the input order', () => {
    const a = {
      path: 'a.yaml',
      text: `${entities}rules:\n  - name: a\n    on: [product.updated]\n    invalidate: [{ key: "a" }]\n`,
    };
    const b = {
      path: 'b.yaml',
      text: `version: 1\nrules:\n  - name: b\n    on: [product.updated]\n    invalidate: [{ key: "b" }]\n`,
    };
    expect(compileRules([b, a]).rules.map((r) => r.name)).toEqual(['a', 'b']);
  });
});

describe('compileRules: version columns', () => {
  it('keeps the version column and checks it against declared columns', () => {
    const text = (columns: string) =>
      `version: 1\nentities:\n  product: { table: public.products, ${columns}version: updated_at }\n`;
    const ok = compileRules([{ path: 'a.yaml', text: text('') }]);
    expect(ok.entities.get('product')?.version).toBe('updated_at');
    expect(() => compileRules([{ path: 'b.yaml', text: text('columns: [id], ') }])).toThrow(
      /b\.yaml:3:\d+ entities\.product\.version.*"updated_at" is not among the entity's columns \(id\)/s,
    );
  });
});
