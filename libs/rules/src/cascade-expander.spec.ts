import { readFileSync } from 'node:fs';
import { decodeMessage } from '#debezium';
import { describe, expect, it } from 'vitest';
import {
  CascadeLimitError,
  CascadeLookupError,
  compileRules,
  evaluate,
  expand,
  type CascadeLookup,
  type LookupParam,
} from './index.js';

const demo = compileRules([
  {
    path: 'rules/catalog.yaml',
    text: readFileSync(new URL('../../../rules/catalog.yaml', import.meta.url), 'utf8'),
  },
]);
const categoryUpdate = decodeMessage({
  topic: 'catalog.public.categories',
  key: null,
  value: readFileSync(
    new URL('../../../test/fixtures/debezium/hand-category-update.json', import.meta.url),
    'utf8',
  ),
});

function fakeLookup(
  rows: readonly Record<string, unknown>[],
): CascadeLookup & { calls: [string, readonly LookupParam[], number][] } {
  const calls: [string, readonly LookupParam[], number][] = [];
  return {
    calls,
    run: (sql, params, { limit }) => {
      calls.push([sql, params, limit]);
      return Promise.resolve(rows.slice(0, limit));
    },
  };
}

describe('expand', () => {
  it('runs each cascade through the port and merges what the rows invalidate, ignoring when', async () => {
    const lookup = fakeLookup([
      { id: 1001, category_id: 5, brand_id: 3 },
      { id: '9223372036854775807', category_id: '5', brand_id: 4n },
    ]);
    const result = await expand(demo, evaluate(demo, categoryUpdate), lookup);
    expect(lookup.calls).toEqual([
      ['SELECT id, category_id, brand_id FROM products WHERE category_id = $1', [5n], 1001],
    ]);
    expect(result.rules).toEqual(['category-pages', 'product-pages']);
    expect(result.keys).toEqual([
      'brand:3:products',
      'brand:4:products',
      'category:5',
      'category:5:products',
      'product:1001',
      'product:9223372036854775807',
    ]);
    expect(result.tags).toEqual(['product:1001', 'product:9223372036854775807']);
    expect(result.namespaces).toEqual(['search']);
    expect(result.patterns).toEqual([]);
    expect(result.cascades).toEqual([
      expect.objectContaining({
        rule: 'category-pages',
        entity: 'product',
        depth: 1,
        rows: 2,
        exceeded: null,
      }),
    ]);
  });

  it('falls back to the declared tag when the fan-out bound is exceeded', async () => {
    const lookup = fakeLookup([{ id: 1 }, { id: 2 }, { id: 3 }]);
    const result = await expand(demo, evaluate(demo, categoryUpdate), lookup, { maxFanOut: 2 });
    expect(result.tags).toEqual(['category:5:products']);
    expect(result.cascades[0]).toMatchObject({
      rows: 3,
      exceeded: 'fan-out',
      fallback: ['category:5:products'],
    });
  });

  it('falls back to a declared namespace, and merges the cascaded rows namespaces', async () => {
    const ruleSet = compileRules([
      {
        path: 'ns.yaml',
        text: `version: 1
entities:
  category: { table: public.categories }
  product: { table: public.products }
rules:
  - name: category-products
    on: [category.updated]
    invalidate:
      - cascade:
          entity: product
          lookup: "SELECT id FROM products WHERE category_id = $1"
          params: [id]
          fallback: { namespace: "category:{id}" }
  - name: product-search
    on: [product.updated]
    invalidate: [{ namespace: "search" }, { key: "product:{id}" }]
`,
      },
    ]);
    const evaluation = evaluate(ruleSet, categoryUpdate);
    const within = await expand(ruleSet, evaluation, fakeLookup([{ id: 1 }]), { maxFanOut: 2 });
    expect(within.namespaces).toEqual(['search']);
    expect(within.keys).toEqual(['product:1']);
    const beyond = await expand(
      ruleSet,
      evaluation,
      fakeLookup([{ id: 1 }, { id: 2 }, { id: 3 }]),
      {
        maxFanOut: 2,
      },
    );
    expect(beyond.namespaces).toEqual(['category:5']);
    expect(beyond.keys).toEqual([]);
    expect(beyond.cascades[0]).toMatchObject({ exceeded: 'fan-out', fallback: ['category:5'] });
  });

  it('falls back when the depth bound is exceeded, without querying', async () => {
    const lookup = fakeLookup([{ id: 1 }]);
    const result = await expand(demo, evaluate(demo, categoryUpdate), lookup, { maxDepth: 0 });
    expect(lookup.calls).toEqual([]);
    expect(result.cascades[0]).toMatchObject({ rows: null, exceeded: 'depth' });
    expect(result.tags).toEqual(['category:5:products']);
  });

  const chain = compileRules([
    {
      path: 'chain.yaml',
      text: `version: 1
entities:
  a: { table: public.a }
  b: { table: public.b }
  c: { table: public.c }
rules:
  - name: a-to-b
    on: [a.updated]
    invalidate: [{ cascade: { entity: b, lookup: "SELECT id FROM b WHERE a_id = $1", params: [id] } }]
  - name: b-to-c
    on: [b.updated]
    invalidate:
      - key: "b:{id}"
      - cascade: { entity: c, lookup: "SELECT id FROM c WHERE b_id = $1", params: [id] }
  - name: c-pages
    on: [c.*]
    invalidate: [{ key: "c:{id}" }]
`,
    },
  ]);
  const aUpdated = decodeMessage({
    topic: 'x.public.a',
    key: null,
    value: '{"op":"u","before":{"id":1},"after":{"id":1},"source":{"schema":"public","table":"a"}}',
  });

  it('cascades transitively, level by level', async () => {
    const result = await expand(chain, evaluate(chain, aUpdated), fakeLookup([{ id: 7 }]));
    expect(result.keys).toEqual(['b:7', 'c:7']);
    expect(result.cascades.map((c) => [c.rule, c.depth])).toEqual([
      ['a-to-b', 1],
      ['b-to-c', 2],
    ]);
  });

  it('fails loudly when a bound is exceeded and the rule declares no fallback', async () => {
    const run = expand(chain, evaluate(chain, aUpdated), fakeLookup([{ id: 7 }]), { maxDepth: 1 });
    await expect(run).rejects.toThrow(CascadeLimitError);
    await expect(run).rejects.toMatchObject({
      code: 'CASCADE_LIMIT_EXCEEDED',
      retriable: false,
      rule: 'b-to-c',
    });
  });

  it('wraps a failing port in a retriable CascadeLookupError', async () => {
    const lookup: CascadeLookup = { run: () => Promise.reject(new Error('connection reset')) };
    const run = expand(demo, evaluate(demo, categoryUpdate), lookup);
    await expect(run).rejects.toThrow(CascadeLookupError);
    await expect(run).rejects.toMatchObject({
      retriable: true,
      message: expect.stringContaining('connection reset') as unknown,
    });
  });

  it('runs an identical lookup only once per expansion', async () => {
    const lookup = fakeLookup([{ id: 7 }]);
    const evaluation = evaluate(chain, aUpdated);
    await expand(
      chain,
      { ...evaluation, cascades: [...evaluation.cascades, ...evaluation.cascades] },
      lookup,
    );
    expect(lookup.calls).toHaveLength(2);
  });
});

describe('expand: versions', () => {
  it('gives cascaded keys their row version and keeps the newest for a key several rows render', async () => {
    const versioned = compileRules([
      {
        path: 'v.yaml',
        text: readFileSync(new URL('../../../rules/catalog.yaml', import.meta.url), 'utf8').replace(
          'table: public.products\n',
          'table: public.products\n    version: updated_at\n',
        ),
      },
    ]);
    const lookup = fakeLookup([
      { id: 1, category_id: 5, brand_id: 3, updated_at: '2025-12-02T13:20:00.000001Z' },
      { id: 2, category_id: 5, brand_id: 3, updated_at: '2025-12-02T13:20:00.000002Z' },
    ]);
    const result = await expand(versioned, evaluate(versioned, categoryUpdate), lookup);
    expect(result.versions).toEqual([
      { key: 'brand:3:products', version: '1764681600000002' },
      { key: 'category:5:products', version: '1764681600000002' },
      { key: 'product:1', version: '1764681600000001' },
      { key: 'product:2', version: '1764681600000002' },
    ]);
  });
});
