import { toCacheVersion } from '#cache-keys';
import { createIsolatedCatalog, uniqueName, type IsolatedCatalog } from '#local-pipeline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The demo schema's version column on the real PostgreSQL: products.updated_at must grow with
// every committed UPDATE of the row, whatever the writer sets, or markers refuse nothing.

let catalog: IsolatedCatalog;

beforeAll(async () => {
  catalog = await createIsolatedCatalog({ name: uniqueName('version'), poolSize: 4 });
});

afterAll(async () => {
  await catalog.drop();
});

async function version(id: number): Promise<string> {
  const result = await catalog.query('SELECT updated_at::text AS v FROM products WHERE id = $1', [
    id,
  ]);
  return toCacheVersion((result.rows[0] as { v: string }).v);
}

const older = (a: string, b: string): boolean =>
  a.length !== b.length ? a.length < b.length : a < b;

describe('products.updated_at (the demo version column)', () => {
  it('grows with every UPDATE, also one that sets an old value or none', async () => {
    const seen = [await version(123)];
    await catalog.query('UPDATE products SET price = price + 1 WHERE id = 123');
    seen.push(await version(123));
    await catalog.query(
      "UPDATE products SET updated_at = '2000-01-01T00:00:00Z', name = name WHERE id = 123",
    );
    seen.push(await version(123));
    // Two updates of the row in one transaction: the second still moves it forward.
    await catalog.query(
      'BEGIN; UPDATE products SET price = price + 1 WHERE id = 123; ' +
        'UPDATE products SET price = price + 1 WHERE id = 123; COMMIT',
    );
    seen.push(await version(123));
    for (let i = 1; i < seen.length; i += 1) {
      expect(older(seen[i - 1] ?? '', seen[i] ?? ''), `${seen[i - 1]} < ${seen[i]}`).toBe(true);
    }
  });

  it('orders concurrent writers of one row by commit, not by transaction start', async () => {
    // The first transaction starts (now() fixed) and waits; the second commits meanwhile. With
    // now() the first's later commit would carry the older version; the trigger's does not.
    const first = await catalog.pool.connect();
    try {
      await first.query('BEGIN');
      await catalog.query('UPDATE products SET price = price + 1 WHERE id = 124');
      const committedSecond = await version(124);
      await first.query('UPDATE products SET price = price + 1 WHERE id = 124');
      await first.query('COMMIT');
      expect(older(committedSecond, await version(124))).toBe(true);
    } finally {
      first.release();
    }
  });
});
