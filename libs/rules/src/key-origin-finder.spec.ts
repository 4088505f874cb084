import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileRules, findKeyOrigins, type CompiledTarget, type RuleSet } from './index.js';
import { compileTemplate } from './template-compiler.js';

const demo = compileRules([
  {
    path: 'rules/catalog.yaml',
    text: readFileSync(new URL('../../../rules/catalog.yaml', import.meta.url), 'utf8'),
  },
]);

const rules = (yaml: string) => compileRules([{ path: 'r.yaml', text: yaml }]);

describe('findKeyOrigins on the demo rules', () => {
  it('finds a product page through its key and tag, with the cascades that reach it', () => {
    const origins = findKeyOrigins(demo, 'product:123');
    const cascaded = [
      'product.created',
      'product.updated',
      'product.deleted',
      'category.updated',
      'category.deleted',
      'brand.updated',
      'brand.deleted',
    ];
    expect(origins).toEqual([
      {
        rule: 'product-pages',
        events: cascaded,
        target: 'key',
        template: 'product:{id}',
        bindings: { id: '123' },
      },
      {
        rule: 'product-pages',
        events: cascaded,
        target: 'tag',
        template: 'product:{id}',
        bindings: { id: '123' },
      },
      {
        rule: 'product-bulk',
        events: ['product.truncated'],
        target: 'pattern',
        template: 'product:*',
        bindings: {},
      },
      {
        rule: 'brand-pages',
        events: ['brand.updated', 'brand.deleted'],
        target: 'cascade',
        template: 'product:*',
        bindings: {},
      },
    ]);
  });

  it('finds a category list through keys, a pattern and a cascade fallback', () => {
    const origins = findKeyOrigins(demo, 'category:5:products').map(
      (o) => `${o.rule} ${o.target} ${o.template} ${JSON.stringify(o.bindings)}`,
    );
    expect(origins).toEqual([
      'product-pages key category:{category_id}:products {"category_id":"5"}',
      'product-bulk pattern category:*:products {}',
      'category-pages key category:{id}:products {"id":"5"}',
      'category-pages cascade category:{id}:products {"id":"5"}',
    ]);
  });

  it('finds nothing for a key no rule can produce', () => {
    expect(findKeyOrigins(demo, 'session:abc')).toEqual([]);
    expect(findKeyOrigins(demo, 'products:1')).toEqual([]);
    // Keys are whole: a key template never matches a longer key.
    expect(findKeyOrigins(demo, 'brand:1:products:page2')).toEqual([]);
  });
});

describe('findKeyOrigins rendering rules', () => {
  const search = rules(`version: 1
entities:
  product: { table: public.products }
rules:
  - name: search
    on: [product.updated]
    invalidate:
      - pattern: 'search:{name}:*'
      - key: 'moved:{before.category_id}->{after.category_id}'
      - key: 'pair:{id}:{id}'
`);

  it('takes placeholder values in a pattern literally, as rendering escapes them', () => {
    const [origin] = findKeyOrigins(search, 'search:a*b:page:2');
    expect(origin).toMatchObject({ target: 'pattern', template: 'search:{name}:*' });
    const bindings = (options = {}) =>
      findKeyOrigins(search, 'search:a*b:page:2', options).map((o) => o.bindings);
    expect(bindings()).toEqual([{ name: 'a*b' }]);
    // With any value allowed, "a*b:page" renders a pattern matching the key too.
    expect(bindings({ valueExcludes: '' })).toEqual([{ name: 'a*b' }, { name: 'a*b:page' }]);
    expect(findKeyOrigins(search, 'search')).toEqual([]);
  });

  it('binds image placeholders separately and a repeated placeholder to one value', () => {
    expect(findKeyOrigins(search, 'moved:5->7').map((o) => o.bindings)).toEqual([
      { 'before.category_id': '5', 'after.category_id': '7' },
    ]);
    expect(findKeyOrigins(search, 'pair:4:4').map((o) => o.bindings)).toEqual([{ id: '4' }]);
    expect(findKeyOrigins(search, 'pair:4:5')).toEqual([]);
  });

  it('matches a namespace target against the part before :g<generation>:', () => {
    const base = rules(`version: 1
entities:
  product: { table: public.products }
rules:
  - name: search
    on: [product.updated]
    invalidate:
      - key: 'x:{id}'
`);
    const [rule] = base.rules;
    if (rule === undefined) throw new Error('no rule');
    // The namespace kind comes with another branch's schema; the finder handles kinds generically.
    const namespaceTarget = {
      kind: 'namespace',
      template: compileTemplate('search:{category_id}', false),
      location: rule.location,
    } as unknown as CompiledTarget;
    const withNamespace: RuleSet = { ...base, rules: [{ ...rule, targets: [namespaceTarget] }] };
    expect(findKeyOrigins(withNamespace, 'search:5:g12:q=red')).toEqual([
      {
        rule: 'search',
        events: ['product.updated'],
        target: 'namespace',
        template: 'search:{category_id}',
        bindings: { category_id: '5' },
      },
    ]);
    expect(findKeyOrigins(withNamespace, 'search:5:q=red')).toEqual([]);
  });
});
