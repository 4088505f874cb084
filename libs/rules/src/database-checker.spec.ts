import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkAgainstDatabase, type RulesCatalog, type TableInfo } from './database-checker.js';
import { compileRules } from './index.js';

const demo = compileRules([
  {
    path: 'rules/catalog.yaml',
    text: readFileSync(new URL('../../../rules/catalog.yaml', import.meta.url), 'utf8'),
  },
]);

const full = (columns: string[]): TableInfo => ({
  columns,
  identityColumns: ['id'],
  replicaIdentity: 'full',
});
const catalogTables: Record<string, TableInfo> = {
  'public.brands': full(['id', 'name']),
  'public.categories': full(['id', 'name', 'parent_id']),
  'public.products': full(['id', 'name', 'price', 'category_id', 'brand_id', 'updated_at']),
};

function catalog(
  tables: Record<string, TableInfo>,
  lookup: RulesCatalog['describeLookup'] = () =>
    Promise.resolve({ columns: ['id', 'category_id', 'brand_id'] }),
): RulesCatalog {
  return {
    describeTable: (table) => Promise.resolve(tables[table] ?? null),
    describeLookup: lookup,
  };
}

describe('checkAgainstDatabase', () => {
  it('accepts the demo rules against the demo schema', async () => {
    expect(await checkAgainstDatabase(demo, catalog(catalogTables))).toEqual([]);
  });

  it('reports missing tables and columns', async () => {
    const problems = await checkAgainstDatabase(
      demo,
      catalog({
        ...catalogTables,
        'public.brands': undefined as never,
        'public.products': full(['id', 'name']),
      }),
    );
    expect(problems.map((p) => p.message)).toEqual(
      expect.arrayContaining([
        'table public.brands does not exist',
        'table public.products has no column category_id, brand_id, price',
      ]),
    );
  });

  it('requires REPLICA IDENTITY FULL when rules read non-key columns from the before-image', async () => {
    const problems = await checkAgainstDatabase(
      demo,
      catalog({
        ...catalogTables,
        'public.products': {
          ...full(['id', 'name', 'price', 'category_id', 'brand_id']),
          replicaIdentity: 'default',
        },
      }),
    );
    expect(problems).toEqual([
      expect.objectContaining({
        rule: 'product-pages',
        line: 17,
        message: expect.stringContaining(
          'non-key columns category_id, brand_id, name, price from the before-image, but public.products has REPLICA IDENTITY DEFAULT; run ALTER TABLE public.products REPLICA IDENTITY FULL',
        ) as unknown,
      }),
    ]);
  });

  it('reports lookups that do not prepare or lack columns the cascaded rules render', async () => {
    let calls = 0;
    const problems = await checkAgainstDatabase(
      demo,
      catalog(catalogTables, () =>
        Promise.resolve(
          calls++ === 0 ? { error: 'column "category" does not exist' } : { columns: ['id'] },
        ),
      ),
    );
    expect(problems.map((p) => [p.rule, p.message])).toEqual([
      ['category-pages', 'the lookup does not prepare: column "category" does not exist'],
      [
        'brand-pages',
        expect.stringContaining(
          'the lookup returns no column category_id, brand_id, which rule "product-pages" renders',
        ) as unknown,
      ],
    ]);
  });
});
