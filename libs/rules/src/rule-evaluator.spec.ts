import { readFileSync } from 'node:fs';
import { decodeMessage, type ChangeEvent, type Row } from '#debezium';
import { describe, expect, it } from 'vitest';
import { compileRules, evaluate, RuleRenderError } from './index.js';

const demo = compileRules([
  {
    path: 'rules/catalog.yaml',
    text: readFileSync(new URL('../../../rules/catalog.yaml', import.meta.url), 'utf8'),
  },
]);
const fixture = (name: string, topic = 'catalog.public.products'): ChangeEvent =>
  decodeMessage({
    topic,
    key: null,
    value: readFileSync(
      new URL(`../../../test/fixtures/debezium/${name}`, import.meta.url),
      'utf8',
    ),
  });

const source = {
  version: null,
  connector: null,
  name: null,
  tsMs: null,
  snapshot: null,
  db: null,
  schema: 'public',
  table: 'products',
  txId: null,
  lsn: null,
  raw: {},
};
function row(op: 'c' | 'u' | 'd' | 'r', before: Row | null, after: Row | null): ChangeEvent {
  return {
    kind: 'row',
    op,
    topic: 'catalog.public.products',
    table: 'public.products',
    key: null,
    before,
    after,
    source,
    tsMs: null,
  };
}
const rules = (body: string) =>
  compileRules([
    {
      path: 't.yaml',
      text: `version: 1\nentities:\n  product: { table: public.products }\nrules:\n${body}`,
    },
  ]);
const oneRule = (
  invalidate: string,
  on = '[product.created, product.updated, product.deleted]',
  extra = '',
) => rules(`  - name: r\n    on: ${on}\n${extra}    invalidate: ${invalidate}\n`);

describe('evaluate', () => {
  it('names row events <entity>.created|updated|deleted|read and truncates <entity>.truncated', () => {
    expect(evaluate(demo, fixture('hand-product-create.json')).event).toBe('product.created');
    expect(evaluate(demo, fixture('hand-product-update-full.json')).event).toBe('product.updated');
    expect(evaluate(demo, fixture('hand-product-delete.json')).event).toBe('product.deleted');
    expect(evaluate(demo, fixture('hand-product-read.json')).event).toBe('product.read');
    expect(evaluate(demo, fixture('hand-products-truncate.json')).event).toBe('product.truncated');
  });

  it('renders {col} from after for created, before for deleted', () => {
    expect(evaluate(demo, fixture('hand-product-create.json')).keys).toEqual([
      'brand:3:products',
      'category:5:products',
      'product:1001',
    ]);
    expect(evaluate(demo, fixture('hand-product-delete.json')).keys).toEqual([
      'brand:3:products',
      'category:7:products',
      'product:1001',
    ]);
  });

  it('renders {col} from both images for updates: a moved product stales old and new category', () => {
    const result = evaluate(demo, fixture('hand-product-update-full.json'));
    expect(result).toEqual({
      event: 'product.updated',
      rules: ['product-pages'],
      keys: ['brand:3:products', 'category:5:products', 'category:7:products', 'product:1001'],
      tags: ['product:1001'],
      namespaces: ['search'],
      patterns: [],
      versions: [],
      cascades: [],
      skipped: [],
    });
  });

  it('renders namespaces as templates, unescaped, sorted and unique, apart from keys and tags', () => {
    const ruleSet = oneRule(
      '[{ namespace: "search" }, { namespace: "cat:{category_id}" }, { namespace: "search" }]',
    );
    const result = evaluate(ruleSet, row('u', { category_id: 5n }, { category_id: 7n }));
    expect(result.namespaces).toEqual(['cat:5', 'cat:7', 'search']);
    expect(result.keys).toEqual([]);
    expect(result.tags).toEqual([]);
    expect(result.patterns).toEqual([]);
  });

  it('picks one image with {before.col} and {after.col}', () => {
    const ruleSet = oneRule('[{ key: "move:{before.category_id}->{after.category_id}" }]');
    expect(evaluate(ruleSet, row('u', { category_id: 5n }, { category_id: 7n })).keys).toEqual([
      'move:5->7',
    ]);
  });

  it('renders once per distinct combination, sorted and unique', () => {
    const ruleSet = oneRule('[{ key: "p:{id}" }, { key: "p:{id}" }, { key: "b:{name}" }]');
    const result = evaluate(ruleSet, row('u', { id: 2n, name: 'z' }, { id: 2n, name: 'a' }));
    expect(result.keys).toEqual(['b:a', 'b:z', 'p:2']);
  });

  it('skips and reports a null or absent value instead of rendering "null"', () => {
    const ruleSet = oneRule('[{ key: "c:{category_id}:products" }]');
    const result = evaluate(ruleSet, row('u', { id: 1n }, { id: 1n, category_id: null }));
    expect(result.keys).toEqual([]);
    expect(result.skipped).toEqual([
      {
        rule: 'r',
        target: 'key',
        template: 'c:{category_id}:products',
        image: 'before',
        column: 'category_id',
        reason: 'absent',
      },
      {
        rule: 'r',
        target: 'key',
        template: 'c:{category_id}:products',
        image: 'after',
        column: 'category_id',
        reason: 'null',
      },
    ]);
  });

  it('reports a missing before-image (key-only replica identity) and still renders after', () => {
    const result = evaluate(demo, fixture('hand-product-update-no-before.json'));
    expect(result.keys).toEqual(['brand:3:products', 'category:7:products', 'product:1001']);
    expect(result.skipped).toContainEqual(
      expect.objectContaining({ image: 'before', reason: 'no-image', column: 'id' }),
    );
  });

  it('refuses to render a Debezium unavailable TOAST placeholder: the key is unknown', () => {
    const ruleSet = oneRule('[{ key: "d:{doc}" }]');
    expect(() =>
      evaluate(ruleSet, row('u', null, { id: 1n, doc: '__debezium_unavailable_value' })),
    ).toThrow(
      expect.objectContaining({
        code: 'RULE_VALUE_UNAVAILABLE',
        retriable: false,
        column: 'doc',
      }) as Error,
    );
  });

  it('refuses a column missing from the after-image (dropped or renamed under the connector)', () => {
    const ruleSet = oneRule('[{ key: "p:{id}" }, { key: "b:{brand_id}" }]');
    expect(() => evaluate(ruleSet, row('u', { id: 1n, brand_id: 2n }, { id: 1n }))).toThrow(
      expect.objectContaining({ code: 'RULE_COLUMN_MISSING', column: 'brand_id' }) as Error,
    );
  });

  it('refuses a key longer than MAX_TARGET_BYTES', () => {
    const ruleSet = oneRule('[{ key: "d:{doc}" }]');
    expect(evaluate(ruleSet, row('c', null, { doc: 'x'.repeat(4094) })).keys).toEqual([
      `d:${'x'.repeat(4094)}`,
    ]);
    expect(() => evaluate(ruleSet, row('c', null, { doc: 'x'.repeat(4095) }))).toThrow(
      expect.objectContaining({ code: 'RULE_TARGET_TOO_LONG', retriable: false }) as Error,
    );
  });

  it('counts UTF-8 bytes, not characters, for a key short in characters but long in bytes', () => {
    const ruleSet = oneRule('[{ key: "d:{doc}" }]');
    // 1,365 characters cannot exceed 4,096 bytes and skip the count; 1,366 are counted.
    expect(evaluate(ruleSet, row('c', null, { doc: '€'.repeat(1363) })).keys).toHaveLength(1);
    expect(evaluate(ruleSet, row('c', null, { doc: '€'.repeat(1364) })).keys).toEqual([
      `d:${'€'.repeat(1364)}`,
    ]);
    expect(() => evaluate(ruleSet, row('c', null, { doc: '€'.repeat(1365) }))).toThrow(
      expect.objectContaining({ code: 'RULE_TARGET_TOO_LONG' }) as Error,
    );
  });

  it('treats a TOAST placeholder in the after-image as an unchanged column for when.changed', () => {
    const ruleSet = compileRules([
      {
        path: 'w.yaml',
        text: `version: 1
entities:
  product: { table: public.products }
rules:
  - name: doc
    on: [product.updated]
    when: { changed: [doc] }
    invalidate: [{ key: "doc:{id}" }]
`,
      },
    ]);
    const unchanged = row('u', null, { id: 1n, doc: '__debezium_unavailable_value' });
    expect(evaluate(ruleSet, unchanged).rules).toEqual([]);
    const edited = row('u', null, { id: 1n, doc: 'new text' });
    expect(evaluate(ruleSet, edited).keys).toEqual(['doc:1']);
  });

  it('renders integers beyond 2^53 exactly', () => {
    const result = evaluate(demo, fixture('hand-product-create-bigint.json'));
    expect(result.keys).toEqual([
      'brand:18014398509481985:products',
      'category:9007199254740993:products',
      'product:9223372036854775807',
    ]);
  });

  it('renders strings as-is', () => {
    const ruleSet = oneRule('[{ key: "p:{sku}" }]');
    expect(evaluate(ruleSet, row('c', null, { sku: 'A b:ç/1' })).keys).toEqual(['p:A b:ç/1']);
  });

  it.each([
    ['a float', 1.5, /non-integer number \(1\.5\)/],
    ['an exponent', 1e21, /non-integer number/],
    ['a boolean', true, /a boolean/],
    ['an object', { a: 1n }, /an object/],
    ['an array', [1n], /an array/],
  ])('fails the event with a typed rule error for %s', (_name, value, message) => {
    const ruleSet = oneRule('[{ key: "p:{v}" }]');
    const run = () => evaluate(ruleSet, row('c', null, { v: value }));
    expect(run).toThrow(RuleRenderError);
    expect(run).toThrow(message);
    expect(run).toThrow(/rule "r": \{v\} in "p:\{v\}"/);
  });

  it('applies when.changed updates only when a listed column changed', () => {
    const unrelated = evaluate(demo, fixture('hand-product-update-unrelated.json'));
    expect(unrelated.rules).toEqual([]);
    expect(unrelated.keys).toEqual([]);
    expect(unrelated.skipped).toEqual([
      {
        rule: 'product-pages',
        reason: 'unchanged',
        columns: ['name', 'price', 'category_id', 'brand_id'],
      },
    ]);
    expect(evaluate(demo, fixture('hand-product-update-price-only.json')).rules).toEqual([
      'product-pages',
    ]);
  });

  it('treats a when.changed column missing from the before-image as changed', () => {
    expect(evaluate(demo, fixture('hand-product-update-key-only.json')).rules).toEqual([
      'product-pages',
    ]);
    expect(evaluate(demo, fixture('hand-product-update-no-before.json')).rules).toEqual([
      'product-pages',
    ]);
  });

  it('ignores when.changed for creates and deletes', () => {
    const ruleSet = oneRule('[{ key: "p:{id}" }]', undefined, '    when: { changed: [name] }\n');
    expect(evaluate(ruleSet, row('c', null, { id: 1n })).keys).toEqual(['p:1']);
    expect(evaluate(ruleSet, row('d', { id: 1n }, null)).keys).toEqual(['p:1']);
  });

  it('lets snapshot reads invalidate nothing unless a rule names them, even with <entity>.*', () => {
    const wildcard = oneRule('[{ key: "p:{id}" }]', '[product.*]');
    expect(evaluate(wildcard, row('r', null, { id: 1n }))).toMatchObject({
      event: 'product.read',
      rules: [],
      keys: [],
    });
    expect(evaluate(demo, fixture('hand-product-read.json')).keys).toEqual([]);
    const named = oneRule('[{ key: "p:{id}" }]', '[product.read]');
    expect(evaluate(named, row('r', null, { id: 1n })).keys).toEqual(['p:1']);
  });

  it('matches created, updated, deleted and truncated with <entity>.*', () => {
    const ruleSet = oneRule('[{ key: "p:{id}" }, { tag: "all-products" }]', '[product.*]');
    for (const op of ['c', 'u', 'd'] as const) {
      const images = op === 'd' ? [{ id: 1n }, null] : [op === 'u' ? { id: 1n } : null, { id: 1n }];
      expect(evaluate(ruleSet, row(op, images[0] ?? null, images[1] ?? null)).rules).toEqual(['r']);
    }
    expect(evaluate(ruleSet, fixture('hand-products-truncate.json')).tags).toEqual([
      'all-products',
    ]);
  });

  it('renders only placeholder-free targets for a truncate and reports the rest', () => {
    const result = evaluate(demo, fixture('hand-products-truncate.json'));
    expect(result.patterns).toEqual(['brand:*:products', 'category:*:products', 'product:*']);
    expect(result.namespaces).toEqual(['search']);
    const ruleSet = oneRule('[{ key: "p:{id}" }]', '[product.truncated]');
    expect(evaluate(ruleSet, fixture('hand-products-truncate.json')).skipped).toEqual([
      {
        rule: 'r',
        target: 'key',
        template: 'p:{id}',
        image: null,
        column: 'id',
        reason: 'no-image',
      },
    ]);
  });

  it('returns event null for tombstones, heartbeats and unmapped tables', () => {
    expect(evaluate(demo, fixture('hand-product-tombstone.json')).event).toBeNull();
    expect(evaluate(demo, fixture('hand-heartbeat.json')).event).toBeNull();
    expect(evaluate(demo, fixture('hand-unmapped-table.json')).event).toBeNull();
  });

  it('glob-escapes placeholder values inside patterns, never inside keys', () => {
    const ruleSet = oneRule('[{ pattern: "s:{q}:*" }, { key: "k:{q}" }]');
    const result = evaluate(ruleSet, row('c', null, { q: 'a*b?[c]\\d' }));
    expect(result.patterns).toEqual(['s:a\\*b\\?\\[c\\]\\\\d:*']);
    expect(result.keys).toEqual(['k:a*b?[c]\\d']);
  });

  it('treats a domain event as that event with its payload as the after-image', () => {
    const result = evaluate(
      demo,
      fixture('hand-domain-product-updated.json', 'outbox.event.product'),
    );
    expect(result).toMatchObject({ event: 'product.updated', rules: ['product-pages'] });
    expect(result.keys).toEqual(['brand:3:products', 'category:7:products', 'product:1001']);
  });

  it('lets only <entity>.* match a domain verb the format does not know', () => {
    const ruleSet = oneRule('[{ key: "p:{id}" }]', '[product.*]');
    const event: ChangeEvent = {
      kind: 'domain',
      topic: 'o',
      type: 'product.published',
      payload: { id: 4n },
      key: null,
    };
    expect(evaluate(ruleSet, event).keys).toEqual(['p:4']);
    expect(evaluate(demo, event).rules).toEqual([]);
  });

  it('requests cascades with params from every image, distinct, with the fallback rendered', () => {
    const result = evaluate(
      demo,
      fixture('hand-category-update.json', 'catalog.public.categories'),
    );
    expect(result.keys).toEqual(['category:5', 'category:5:products']);
    expect(result.cascades).toEqual([
      {
        rule: 'category-pages',
        entity: 'product',
        lookup: 'SELECT id, category_id, brand_id FROM products WHERE category_id = $1',
        params: [5n],
        fallback: { kind: 'tag', values: ['category:5:products'] },
      },
    ]);
  });
});

describe('evaluate: versions', () => {
  const versioned = (column = 'version') =>
    compileRules([
      {
        path: 'v.yaml',
        text:
          `version: 1\nentities:\n  product: { table: public.products, version: ${column} }\n` +
          `rules:\n  - name: r\n    on: [product.created, product.updated, product.deleted]\n` +
          `    invalidate: [{ key: 'product:{id}' }, { key: 'category:{category_id}:products' }, { tag: 't:{id}' }]\n`,
      },
    ]);

  it('gives every key the after-image version, exactly, beyond 2^53', () => {
    const result = evaluate(
      versioned(),
      row(
        'u',
        { id: 1n, category_id: 5n, version: 9007199254740992n },
        { id: 1n, category_id: 7n, version: 9007199254740993n },
      ),
    );
    expect(result.versions).toEqual([
      { key: 'category:5:products', version: '9007199254740993' },
      { key: 'category:7:products', version: '9007199254740993' },
      { key: 'product:1', version: '9007199254740993' },
    ]);
  });

  it('takes the before-image for deletes', () => {
    const result = evaluate(versioned(), row('d', { id: 1n, category_id: 5n, version: 41n }, null));
    expect(result.versions.map((v) => v.version)).toEqual(['41', '41']);
  });

  it('reads a real Debezium timestamptz as exact microseconds', () => {
    const result = evaluate(versioned('updated_at'), fixture('hand-product-update-full.json'));
    expect(result.versions.length).toBeGreaterThan(0);
    // after-image: 2024-11-26T10:02:11.000001Z
    expect(new Set(result.versions.map((v) => v.version))).toEqual(new Set(['1732615331000001']));
  });

  it('carries no versions for unversioned entities or a null version', () => {
    expect(evaluate(demo, fixture('hand-product-update-full.json')).versions).toEqual([]);
    const nullVersion = row('c', null, { id: 1n, category_id: 5n, version: null });
    expect(evaluate(versioned(), nullVersion).versions).toEqual([]);
  });

  it('refuses a version it cannot compare exactly, naming the rule and column', () => {
    const float = row('c', null, { id: 1n, category_id: 5n, version: 1.5 });
    expect(() => evaluate(versioned(), float)).toThrow(RuleRenderError);
    expect(() => evaluate(versioned(), float)).toThrow(/rule "r": version column "version"/);
  });
});
