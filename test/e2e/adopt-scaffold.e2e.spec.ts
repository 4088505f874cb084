import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'lossless-json';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { endpoints, repoPath, uniqueName } from '#local-pipeline';
import { InvalidatorError } from '#errors';
import { explainMessage, loadRules, type RuleSet } from '#rules';

// `invalidator scaffold` against the stack's real PostgreSQL: the demo catalog, compared with
// the hand-written rules/catalog.yaml through `explain` on the Debezium fixtures, and a larger
// schema created here with the shapes a scaffold has to guess about.
const cli = (args: string[], input?: string) =>
  spawnSync(process.execPath, [repoPath('bin', 'invalidator.js'), ...args], {
    encoding: 'utf8',
    input,
  });

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'adopt-scaffold-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Explained {
  keys: string[];
}

/** Fixtures that change only columns catalog.yaml's `when.changed` ignores. */
const FILTERED_BY_WHEN_CHANGED = new Set([
  'hand-product-update-unrelated.json',
  'captured-update-toast-set.json',
]);

/** The fixtures of product and category changes: topic and exact value text. */
function fixtureEvents(): { name: string; topic: string; value: string }[] {
  const folder = repoPath('test', 'fixtures', 'debezium');
  return readdirSync(folder).flatMap((name) => {
    const text = readFileSync(join(folder, name), 'utf8');
    const document = parse(text) as Record<string, unknown> | null;
    // captured-*.json wrap the Kafka record; hand-*.json are the value itself.
    const captured = document !== null && 'topic' in document && 'value' in document;
    const topic = captured ? String(document.topic) : null;
    const value = captured ? (stringify(document.value) ?? 'null') : text;
    const source = (parse(value) as { source?: { table?: string } } | null)?.source;
    const table = topic?.split('.')[2] ?? source?.table;
    if (table !== 'products' && table !== 'categories') return [];
    return [{ name, topic: topic ?? `catalog.public.${table}`, value }];
  });
}

/**
 * What one rule file invalidates among product and category entries (the app's keys), through
 * the function `invalidator explain` prints (in-process: one CLI start per fixture is slow).
 */
async function productAndCategory(
  rules: RuleSet,
  event: { topic: string; value: string },
): Promise<{ keys: string[]; patterns: string[] } | { error: string }> {
  let output;
  try {
    output = await explainMessage(rules, { topic: event.topic, key: null, value: event.value });
  } catch (error) {
    // Events no rule can render (an unchanged TOASTed value, a renamed column) are dead letters:
    // both files must refuse them the same way.
    if (error instanceof InvalidatorError && !error.retriable) return { error: error.code };
    throw error;
  }
  const ours = (text: string) => /^(product|category):/.test(text) && !text.endsWith(':categories');
  return { keys: output.keys.filter(ours), patterns: output.patterns.filter(ours) };
}

describe('invalidator scaffold on the demo catalog', () => {
  let scaffolded: string;
  beforeAll(async () => {
    const run = cli([
      'scaffold',
      '--database-url',
      endpoints.postgresUrl,
      '--schema',
      'public',
      '--tables',
      'brands,categories,products',
      '--publication',
      'invalidator_catalog',
    ]);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    scaffolded = join(dir, 'scaffold.yaml');
    await writeFile(scaffolded, run.stdout);
  });

  it('prints a file that validates against the database unchanged', () => {
    const run = cli(['validate', '--rules', scaffolded, '--database-url', endpoints.postgresUrl]);
    expect(run.stderr).toBe('');
    expect(run.stdout).toMatch(/rules valid: 1 file\(s\), 3 entities, 9 rules, 2 cascade edge/);
    expect(run.status).toBe(0);
  });

  it('invalidates the product and category keys rules/catalog.yaml does, for every fixture event', async () => {
    const events = fixtureEvents();
    expect(events.length).toBeGreaterThanOrEqual(15);
    const demoRules = await loadRules(repoPath('rules', 'catalog.yaml'));
    const scaffoldRules = await loadRules(scaffolded);
    for (const event of events) {
      const demo = await productAndCategory(demoRules, event);
      const generated = await productAndCategory(scaffoldRules, event);
      if (FILTERED_BY_WHEN_CHANGED.has(event.name)) {
        // The one difference: catalog.yaml filters with `when.changed` (a change of updated_at
        // or of a long description leaves the pages alone); a scaffold cannot know which columns
        // a page shows, so it invalidates the row's keys.
        expect(demo).toEqual({ keys: [], patterns: [] });
        expect(generated).toMatchObject({
          keys: expect.arrayContaining([expect.stringMatching(/^product:/)]) as unknown,
        });
      } else {
        expect({ event: event.name, ...generated }).toEqual({ event: event.name, ...demo });
      }
    }
  });

  it('matches the demo rules with cascades run on the database', () => {
    const [category] = fixtureEvents().filter((e) => e.name === 'hand-category-update.json');
    if (category === undefined) throw new Error('fixture missing');
    const withDatabase = (rules: string) => {
      const run = cli(
        [
          'explain',
          '--rules',
          rules,
          '--topic',
          category.topic,
          '--event',
          '-',
          '--database-url',
          endpoints.postgresUrl,
        ],
        category.value,
      );
      return (JSON.parse(run.stdout) as Explained).keys.filter((k) => !k.endsWith(':categories'));
    };
    const demo = withDatabase(repoPath('rules', 'catalog.yaml'));
    expect(demo).toContain('product:123');
    expect(withDatabase(scaffolded)).toEqual(demo);
  });
});

describe('invalidator scaffold on a larger schema', () => {
  const schema = uniqueName('t_adopt');
  let client: pg.Client;
  beforeAll(async () => {
    client = new pg.Client({ connectionString: endpoints.postgresUrl });
    await client.connect();
    await client.query(`
      CREATE SCHEMA ${schema};
      SET search_path = ${schema};
      CREATE TABLE customers (id bigint PRIMARY KEY, referred_by bigint REFERENCES customers (id));
      CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint NOT NULL REFERENCES customers (id));
      CREATE TABLE order_items (
        order_id bigint REFERENCES orders (id), line_no int, sku text NOT NULL,
        PRIMARY KEY (order_id, line_no));
      CREATE TABLE order_item (id bigint PRIMARY KEY, note text);
      CREATE TABLE shipments (
        id bigint PRIMARY KEY, order_id bigint, line_no int,
        FOREIGN KEY (order_id, line_no) REFERENCES order_items (order_id, line_no));
      CREATE TABLE event_log (at timestamptz NOT NULL, customer_id bigint REFERENCES customers (id), payload jsonb);
      ALTER TABLE customers REPLICA IDENTITY FULL;
      ALTER TABLE orders REPLICA IDENTITY FULL;
      ALTER TABLE order_items REPLICA IDENTITY FULL;
      CREATE PUBLICATION ${schema} FOR TABLE customers, orders, order_items;
    `);
  });
  afterAll(async () => {
    await client.query(`DROP PUBLICATION IF EXISTS ${schema}`);
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client.end();
  });

  it('prints a file that validates, with TODOs where it guessed, and warns about the tables', async () => {
    const run = cli([
      'scaffold',
      '--database-url',
      endpoints.postgresUrl,
      '--schema',
      schema,
      '--key-prefix',
      'shop:',
      '--publication',
      schema,
    ]);
    expect(run.status).toBe(0);
    expect(run.stderr.split('\n').filter(Boolean).sort()).toEqual(
      [
        `${schema}.event_log has REPLICA IDENTITY DEFAULT`,
        `${schema}.event_log is not in publication`,
        `${schema}.order_item has REPLICA IDENTITY DEFAULT`,
        `${schema}.order_item is not in publication`,
        `${schema}.shipments has REPLICA IDENTITY DEFAULT`,
        `${schema}.shipments is not in publication`,
      ].map((start) => expect.stringContaining(`invalidator: warning: ${start}`) as unknown),
    );
    const text = run.stdout;
    expect(text).toContain("- key: 'shop:order_item_2:{order_id}:{line_no}'");
    expect(text).toContain('# TODO: composite primary key (order_id, line_no)');
    expect(text).toContain("- key: 'shop:order_item_2:{order_id}:{line_no}:shipments'");
    expect(text).toContain('# TODO: self reference');
    expect(text).toContain(`# TODO: ${schema}.event_log has no primary key`);
    expect(text).toMatch(/"order_item" is taken by \S+\.order_item: named "order_item_2" instead/);
    const file = join(dir, 'larger.yaml');
    await writeFile(file, text);
    const validate = cli(['validate', '--rules', file, '--database-url', endpoints.postgresUrl]);
    // The table without a primary key can only be swept by pattern on its row events, which
    // validate flags (a warning, not an error): that rule and nothing else.
    const warnings = validate.stderr.split('\n').filter(Boolean);
    expect(warnings.length).toBeGreaterThan(0);
    for (const warning of warnings) {
      expect(warning).toMatch(
        /^warning: .*rule "event[-_]log[^"]*" .*pattern ".*scans the whole keyspace/,
      );
    }
    expect(validate.stdout).toMatch(
      /6 entities, \d+ rules, 4 cascade edge\(s\), checked against the database/,
    );
    expect(validate.status).toBe(0);
  });

  it('exits 2 on usage errors and 1 when the database cannot be read', () => {
    expect(cli(['scaffold']).status).toBe(2);
    expect(
      cli(['scaffold', '--database-url', endpoints.postgresUrl, '--tables', 'nope']).status,
    ).toBe(2);
    const down = cli(['scaffold', '--database-url', 'postgres://x:y@127.0.0.1:1/none']);
    expect(down.status).toBe(1);
    expect(down.stderr).toMatch(/^invalidator: DATABASE_UNAVAILABLE: .*ECONNREFUSED/);
  });
});
