import { describe, expect, it } from 'vitest';
import { compileRules } from '#rules';
import { columnsReadByRules } from './rule-columns.js';

const ruleSet = compileRules([
  {
    path: 'rules/test.yaml',
    text: `
version: 1
entities:
  product: { table: public.products, version: updated_at }
  category: { table: public.categories }
  brand: { table: public.brands }
rules:
  - name: product-pages
    on: [product.*]
    when:
      changed: [price, name]
    invalidate:
      - key: "product:{id}"
      - tag: "category:{before.category_id}"
      - pattern: "search:{after.slug}:*"
      - cascade:
          entity: category
          lookup: "SELECT id FROM categories WHERE id = $1"
          params: [parent_id]
          fallback: { namespace: "categories:{shop_id}" }
  - name: category-page
    on: [category.updated]
    invalidate:
      - key: "category:{id}"
`,
  },
]);

describe('columnsReadByRules', () => {
  it('names every column a rule of the table reads, and the version column', () => {
    const columns = columnsReadByRules(ruleSet);
    expect([...(columns('public.products') ?? [])].sort()).toEqual(
      ['category_id', 'id', 'name', 'parent_id', 'price', 'shop_id', 'slug', 'updated_at'].sort(),
    );
    expect([...(columns('public.categories') ?? [])]).toEqual(['id']);
  });

  it('gives an entity without rules no columns, and an unmapped table no projection', () => {
    const columns = columnsReadByRules(ruleSet);
    expect(columns('public.brands')?.size).toBe(0);
    expect(columns('public.unknown')).toBeUndefined();
  });

  it('builds the projection once per rule set', () => {
    expect(columnsReadByRules(ruleSet)).toBe(columnsReadByRules(ruleSet));
  });
});
