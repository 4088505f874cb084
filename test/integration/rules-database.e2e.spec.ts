import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkAgainstDatabase, compileRules, PgDatabase } from '#rules';
import { createIsolatedCatalog, endpoints, uniqueName } from '#local-pipeline';

// The demo rules against the stack's real demo database: the same checks `invalidator validate
// --database-url` runs, and cascades run by `invalidator explain --database-url`.
const demoRules = () =>
  compileRules([{ path: 'rules/catalog.yaml', text: readFileSync('rules/catalog.yaml', 'utf8') }]);
const cli = (args: string[]) =>
  spawnSync(process.execPath, ['bin/invalidator.js', ...args], { encoding: 'utf8' });

describe('rules against the real demo database', () => {
  let database: PgDatabase;
  beforeAll(async () => {
    database = await PgDatabase.connect(endpoints.postgresUrl, {
      max: 2,
      statementTimeoutMs: 1000,
    });
  });
  afterAll(async () => {
    await database.close();
  });

  it('finds the demo rules consistent with the schema', async () => {
    expect(await checkAgainstDatabase(demoRules(), database)).toEqual([]);
    expect(await database.describeTable('public.products')).toMatchObject({
      identityColumns: ['id'],
      replicaIdentity: 'full',
    });
    expect(await database.describeTable('public.nope')).toBeNull();
    expect(await database.describeLookup('SELECT nope FROM products', 0)).toEqual({
      error: expect.stringContaining('nope') as unknown,
    });
  });

  it('runs a bounded lookup, and classifies failures', async () => {
    const rows = await database.run('SELECT id FROM products WHERE category_id = $1', [5n], {
      limit: 2,
    });
    expect(rows).toHaveLength(2);
    await expect(database.run('SELECT nope FROM products', [], { limit: 1 })).rejects.toMatchObject(
      {
        code: 'DATABASE_QUERY_FAILED',
        retriable: false,
        sqlState: '42703',
      },
    );
    await expect(database.run('SELECT pg_sleep(3)', [], { limit: 1 })).rejects.toMatchObject({
      sqlState: '57014',
      retriable: false,
    });
  });

  it('rejects rules that read the before-image of a table without REPLICA IDENTITY FULL', async () => {
    const catalog = await createIsolatedCatalog({ name: uniqueName('t_identity') });
    const dir = await mkdtemp(join(tmpdir(), 'rules-identity-'));
    try {
      await catalog.query('ALTER TABLE products REPLICA IDENTITY DEFAULT');
      const rules = readFileSync('rules/catalog.yaml', 'utf8').replaceAll(
        'table: public.',
        `table: ${catalog.name}.`,
      );
      await writeFile(join(dir, 'catalog.yaml'), rules);
      const url = new URL(endpoints.postgresUrl);
      url.searchParams.set('options', `-c search_path=${catalog.name}`);
      const result = cli(['validate', '--rules', dir, '--database-url', url.toString()]);
      expect(result.status).toBe(1);
      expect(result.stderr).toContain(`${catalog.name}.products`);
      expect(result.stderr).toMatch(/REPLICA IDENTITY FULL/);
    } finally {
      await rm(dir, { recursive: true, force: true });
      await catalog.drop();
    }
  });

  it('explains a category rename with its cascade run on the database', () => {
    const result = cli([
      'explain',
      '--rules',
      'rules',
      '--topic',
      'catalog.public.categories',
      '--event',
      'test/fixtures/debezium/hand-category-update.json',
      '--database-url',
      endpoints.postgresUrl,
    ]);
    expect(result.stderr).toBe('');
    const output = JSON.parse(result.stdout) as {
      cascades: { rows: number | null }[];
      keys: string[];
    };
    expect(output.cascades.length).toBeGreaterThan(0);
    expect(output.cascades.every((c) => typeof c.rows === 'number')).toBe(true);
  });
});
