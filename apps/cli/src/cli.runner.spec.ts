import { readdirSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import type { CliDatabase, CliDeps } from './cli-deps.port.js';
import { runCli } from './cli.runner.js';

const root = new URL('../../../', import.meta.url).pathname;
const fixtures = `${root}test/fixtures/debezium`;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function cli(
  argv: string[],
  options: { stdin?: string; database?: CliDatabase } = {},
): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const deps: CliDeps = {
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
    readStdin: () => Promise.resolve(options.stdin ?? ''),
    readFile: (path) => readFile(path, 'utf8'),
    connect: () =>
      options.database
        ? Promise.resolve(options.database)
        : Promise.reject(new Error('no database')),
  };
  const code = await runCli(argv, deps);
  return { code, stdout, stderr };
}

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

describe('invalidator validate', () => {
  it('exits 0 on the demo rules', async () => {
    const run = await cli(['validate', '--rules', `${root}rules`]);
    expect(run).toEqual({
      code: 0,
      stdout: 'rules valid: 1 file(s), 3 entities, 4 rules, 2 cascade edge(s)\n',
      stderr: '',
    });
  });

  it('exits 1 with every problem on stderr, one per line', async () => {
    const run = await cli(['validate', '--rules', `${root}apps/cli/src/testdata/invalid.yaml`]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr.split('\n').filter(Boolean)).toEqual([
      expect.stringMatching(
        /invalid\.yaml:7:10 rule "a" rules\[0\]\.on\[0\]: expected "<entity>\./,
      ),
      expect.stringMatching(
        /invalid\.yaml:9:18 rule "a" rules\[0\]\.invalidate\[0\]\.pattern: expected a Redis glob/,
      ),
      '2 problem(s) found',
    ]);
  });

  it('exits 1 when the rules path does not exist', async () => {
    const run = await cli(['validate', '--rules', '/nonexistent/rules']);
    expect(run).toEqual({
      code: 1,
      stdout: '',
      stderr: 'invalidator: RULES_UNREADABLE: /nonexistent/rules: no such file or directory\n',
    });
  });

  it('checks against the database when given a URL, and reports its problems', async () => {
    const database: CliDatabase = {
      describeTable: (table) =>
        Promise.resolve(
          table === 'public.brands'
            ? null
            : {
                columns: ['id', 'name', 'price', 'category_id', 'brand_id', 'parent_id'],
                identityColumns: ['id'],
                replicaIdentity: 'full',
              },
        ),
      describeLookup: () => Promise.resolve({ columns: ['id', 'category_id', 'brand_id'] }),
      run: () => Promise.resolve([]),
      close: () => Promise.resolve(),
    };
    const run = await cli(
      ['validate', '--rules', `${root}rules`, '--database-url', 'postgres://x'],
      { database },
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('table public.brands does not exist');
  });

  it.each([
    [[], 2],
    [['frobnicate'], 2],
    [['validate'], 2],
    [['validate', '--rules', 'rules', '--bogus'], 2],
    [['graph', '--rules', 'rules', '--format', 'png'], 2],
    [['--help'], 0],
  ])('exits with a usage code for %j', async (argv, code) => {
    const run = await cli(argv);
    expect(run.code).toBe(code);
    expect(code === 0 ? run.stdout : run.stderr).toContain('Usage:');
  });
});

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
      patterns: ['search:*'],
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

describe('invalidator graph and schema', () => {
  it('prints mermaid by default and dot on request', async () => {
    expect((await cli(['graph', '--rules', `${root}rules`])).stdout).toMatch(/^flowchart LR\n/);
    expect((await cli(['graph', '--rules', `${root}rules`, '--format', 'dot'])).stdout).toMatch(
      /^digraph rules \{/,
    );
  });

  it('prints the committed JSON Schema', async () => {
    const run = await cli(['schema']);
    expect(JSON.parse(run.stdout)).toEqual(
      JSON.parse(readFileSync(`${root}schema/rules.schema.json`, 'utf8')),
    );
  });
});
