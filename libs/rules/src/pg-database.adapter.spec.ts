import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  checkAgainstDatabase,
  compileRules,
  DatabaseUnavailableError,
  PgDatabase,
} from './index.js';

// Needs a PostgreSQL with deploy/postgres/01-schema.sql loaded; skipped when the variable is unset.
const url = process.env.INVALIDATOR_RULES_TEST_DATABASE_URL;

describe('PgDatabase', () => {
  it('reports an unreachable server as retriable DatabaseUnavailableError', async () => {
    const connecting = PgDatabase.connect('postgres://nobody@127.0.0.1:1/none');
    await expect(connecting).rejects.toThrow(DatabaseUnavailableError);
    await expect(connecting).rejects.toMatchObject({ retriable: true });
  });

  it.skipIf(url === undefined)('checks the demo rules and runs a bounded lookup', async () => {
    const database = await PgDatabase.connect(url ?? '');
    try {
      const demo = compileRules([
        {
          path: 'rules/catalog.yaml',
          text: readFileSync(new URL('../../../rules/catalog.yaml', import.meta.url), 'utf8'),
        },
      ]);
      expect(await checkAgainstDatabase(demo, database)).toEqual([]);
      expect(await database.describeTable('public.products')).toMatchObject({
        identityColumns: ['id'],
        replicaIdentity: 'full',
      });
      expect(await database.describeTable('public.nope')).toBeNull();
      expect(await database.describeLookup('SELECT nope FROM products', 0)).toEqual({
        error: expect.stringContaining('nope') as unknown,
      });
      const rows = await database.run('SELECT id FROM products WHERE category_id = $1', [5n], {
        limit: 2,
      });
      expect(rows.length).toBeLessThanOrEqual(2);
      await expect(
        database.run('SELECT nope FROM products', [], { limit: 1 }),
      ).rejects.toMatchObject({
        code: 'DATABASE_QUERY_FAILED',
        retriable: false,
        sqlState: '42703',
      });
    } finally {
      await database.close();
    }
  });
});
