import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CliDatabase } from './cli-deps.js';
import { cli, fixtures, root } from '../../../test/support/cli.harness.js';

const explain = (file: string, topic = 'catalog.public.products', extra: string[] = []) =>
  cli([
    'explain',
    '--rules',
    `${root}rules`,
    '--topic',
    topic,
    '--event',
    `${fixtures}/${file}`,
    ...extra,
  ]);

describe('invalidator explain', () => {
  it('prints exactly one JSON object for a moved product', async () => {
    const run = await explain('hand-product-update-full.json');
    expect(run.code).toBe(0);
    expect(run.stdout.endsWith('}\n')).toBe(true);
    expect(run.stdout.trim().split('\n')).toHaveLength(1);
    expect(JSON.parse(run.stdout)).toEqual({
      event: 'product.updated',
      rules: ['product-pages'],
      keys: ['brand:3:products', 'category:5:products', 'category:7:products', 'product:1001'],
      tags: ['product:1001'],
      namespaces: ['search'],
      patterns: [],
      cascades: [],
      skipped: [],
    });
  });

  const expected: Record<string, [string, string | null, string[]]> = {
    'hand-product-create.json': [
      'catalog.public.products',
      'product.created',
      ['brand:3:products', 'category:5:products', 'product:1001'],
    ],
    'hand-product-create-enveloped.json': [
      'catalog.public.products',
      'product.created',
      ['brand:3:products', 'category:5:products', 'product:1001'],
    ],
    'hand-product-create-bigint.json': [
      'catalog.public.products',
      'product.created',
      [
        'brand:18014398509481985:products',
        'category:9007199254740993:products',
        'product:9223372036854775807',
      ],
    ],
    'hand-product-update-full.json': [
      'catalog.public.products',
      'product.updated',
      ['brand:3:products', 'category:5:products', 'category:7:products', 'product:1001'],
    ],
    'hand-product-update-key-only.json': [
      'catalog.public.products',
      'product.updated',
      ['brand:3:products', 'category:7:products', 'product:1001'],
    ],
    'hand-product-update-no-before.json': [
      'catalog.public.products',
      'product.updated',
      ['brand:3:products', 'category:7:products', 'product:1001'],
    ],
    'hand-product-update-price-only.json': [
      'catalog.public.products',
      'product.updated',
      ['brand:3:products', 'category:7:products', 'product:1001'],
    ],
    'hand-product-update-unrelated.json': ['catalog.public.products', 'product.updated', []],
    'hand-product-delete.json': [
      'catalog.public.products',
      'product.deleted',
      ['brand:3:products', 'category:7:products', 'product:1001'],
    ],
    'hand-product-read.json': ['catalog.public.products', 'product.read', []],
    'hand-product-tombstone.json': ['catalog.public.products', null, []],
    'hand-products-truncate.json': ['catalog.public.products', 'product.truncated', []],
    'hand-heartbeat.json': ['__debezium-heartbeat.catalog', null, []],
    'hand-unmapped-table.json': ['catalog.public.audit_log', null, []],
    'hand-category-update.json': [
      'catalog.public.categories',
      'category.updated',
      ['category:5', 'category:5:products'],
    ],
    'hand-brand-update.json': [
      'catalog.public.brands',
      'brand.updated',
      ['brand:3', 'brand:3:products'],
    ],
    'hand-domain-product-updated.json': [
      'outbox.event.product',
      'product.updated',
      ['brand:3:products', 'category:7:products', 'product:1001'],
    ],
  };

  it('covers every hand-written fixture', () => {
    const files = readdirSync(fixtures).filter((f) => f.startsWith('hand-'));
    expect(Object.keys(expected).sort()).toEqual(files.sort());
  });

  it.each(Object.entries(expected))('explains %s', async (file, [topic, event, keys]) => {
    const run = await explain(file, topic);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const output = JSON.parse(run.stdout) as { event: string | null; keys: string[] };
    expect(output.event).toBe(event);
    expect(output.keys).toEqual(keys);
    expect(Object.keys(output)).toEqual([
      'event',
      'rules',
      'keys',
      'tags',
      'namespaces',
      'patterns',
      'cascades',
      'skipped',
    ]);
  });

  it('lists cascades with rows null, then runs them with a database and counts rows', async () => {
    const offline = JSON.parse(
      (await explain('hand-category-update.json', 'catalog.public.categories')).stdout,
    ) as { cascades: unknown };
    expect(offline.cascades).toEqual([
      {
        rule: 'category-pages',
        entity: 'product',
        lookup: 'SELECT id, category_id, brand_id FROM products WHERE category_id = $1',
        params: ['5'],
        rows: null,
      },
    ]);
    let closed = false;
    const database: CliDatabase = {
      describeTable: () => Promise.resolve(null),
      describeLookup: () => Promise.resolve({ columns: [] }),
      run: () => Promise.resolve([{ id: '1001', category_id: '5', brand_id: '3' }]),
      close: () => ((closed = true), Promise.resolve()),
    };
    const run = await cli(
      [
        'explain',
        '--rules',
        `${root}rules`,
        '--topic',
        'catalog.public.categories',
        '--event',
        `${fixtures}/hand-category-update.json`,
        '--database-url',
        'postgres://x',
      ],
      { database },
    );
    const output = JSON.parse(run.stdout) as { keys: string[]; cascades: { rows: number }[] };
    expect(output.keys).toEqual([
      'brand:3:products',
      'category:5',
      'category:5:products',
      'product:1001',
    ]);
    expect(output.cascades[0]?.rows).toBe(1);
    expect(closed).toBe(true);
  });

  it('reads the event from stdin with -', async () => {
    const stdin = readFileSync(`${fixtures}/hand-product-create.json`, 'utf8');
    const run = await cli(
      ['explain', '--rules', `${root}rules`, '--topic', 'catalog.public.products', '--event', '-'],
      { stdin },
    );
    expect(JSON.parse(run.stdout)).toMatchObject({ event: 'product.created' });
  });

  it.each([
    [
      'malformed JSON',
      '{"op":"c",',
      /^invalidator: DEBEZIUM_INVALID_JSON: topic t: the value is not JSON/,
    ],
    ['an unknown shape', '{"hello":1}', /^invalidator: DEBEZIUM_UNEXPECTED_SHAPE: /],
    [
      'an unrenderable value',
      '{"op":"c","after":{"id":1.5},"source":{"schema":"public","table":"products"}}',
      /^invalidator: RULE_RENDER_FAILED: rule "product-pages"/,
    ],
    ['binary garbage', '\u0000\u0001{', /^invalidator: DEBEZIUM_INVALID_JSON/],
  ])('exits 1 with a one-line error on %s', async (_name, stdin, message) => {
    const run = await cli(['explain', '--rules', `${root}rules`, '--topic', 't', '--event', '-'], {
      stdin,
    });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(message);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it('exits 1 with one line when the event file is missing', async () => {
    const run = await explain('missing.json');
    expect(run).toMatchObject({ code: 1, stdout: '' });
    expect(run.stderr).toMatch(
      /^invalidator: Error: cannot read --event .*missing\.json \(ENOENT\)\n$/,
    );
  });

  it('is deterministic', async () => {
    const first = await explain('hand-product-update-full.json');
    expect(await explain('hand-product-update-full.json')).toEqual(first);
  });
});

describe('invalidator explain properties', { timeout: 60_000 }, () => {
  const scalar = fc.oneof(
    fc.constant(null),
    fc.bigInt({ min: 0n, max: 2n ** 64n }).map((n) => ({ int: n })),
    fc.string(),
  );
  const columnsArb = {
    id: scalar,
    name: scalar,
    price: scalar,
    category_id: scalar,
    brand_id: scalar,
  };
  const row = fc.record(columnsArb, { requiredKeys: [] });
  // Debezium's after-image always holds every column (a missing one is a dead letter).
  const fullRow = fc.record(columnsArb);
  // Integers are written as bare JSON literals, as Debezium does, whatever their size.
  const json = (value: Record<string, unknown>, order: string[]): string =>
    `{${order
      .filter((k) => k in value)
      .map((k) => {
        const v = value[k];
        const text =
          v !== null && typeof v === 'object'
            ? String((v as { int: bigint }).int)
            : JSON.stringify(v);
        return `${JSON.stringify(k)}:${text}`;
      })
      .join(',')}}`;
  const message = (
    op: string,
    before: Record<string, unknown>,
    after: Record<string, unknown>,
    order: string[],
  ) =>
    `{"op":"${op}","before":${op === 'c' ? 'null' : json(before, order)},"after":${op === 'd' ? 'null' : json(after, order)},"source":{"schema":"public","table":"products"}}`;

  it('prints the same output for the same message, whatever the column order', async () => {
    const columns = ['id', 'name', 'price', 'category_id', 'brand_id'];
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('c', 'u', 'd'),
        row,
        fullRow,
        fc.shuffledSubarray(columns, { minLength: 5 }),
        async (op, before, after, order) => {
          const run = (stdin: string) =>
            cli(
              [
                'explain',
                '--rules',
                `${root}rules`,
                '--topic',
                'catalog.public.products',
                '--event',
                '-',
              ],
              { stdin },
            );
          const first = await run(message(op, before, after, columns));
          expect(first.code).toBe(0);
          expect(await run(message(op, before, after, columns))).toEqual(first);
          expect(await run(message(op, before, after, order))).toEqual(first);
          expect(first.stdout).not.toMatch(/:(null|undefined)(:|")/);
        },
      ),
      { numRuns: 100 },
    );
  });
});
