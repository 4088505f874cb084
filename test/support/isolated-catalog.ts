import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { endpoints } from './endpoints.js';

const schemaFiles = ['01-schema.sql', '02-seed.sql'].map((name) =>
  fileURLToPath(new URL(`../../deploy/postgres/${name}`, import.meta.url)),
);

/** A copy of the demo catalog in a schema of its own, so a test's changes and topics are its own. */
export interface IsolatedCatalog {
  /** Schema name, also used as connector name, topic prefix, slot and publication. */
  readonly name: string;
  readonly pool: pg.Pool;
  /** Runs SQL with the isolated schema first on the search path. */
  query(sql: string, params?: unknown[]): Promise<pg.QueryResult>;
  drop(): Promise<void>;
}

export async function createIsolatedCatalog(label: string): Promise<IsolatedCatalog> {
  const name = `t_${label}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: endpoints.postgresUrl });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${name}`);
  await admin.end();
  const pool = new pg.Pool({
    connectionString: endpoints.postgresUrl,
    options: `-c search_path=${name}`,
    max: 4,
  });
  for (const file of schemaFiles) await pool.query(await readFile(file, 'utf8'));
  return {
    name,
    pool,
    query: (sql, params) => pool.query(sql, params),
    async drop() {
      await pool.query(`DROP PUBLICATION IF EXISTS ${name}`);
      await pool.query(
        `SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots
          WHERE slot_name = $1 AND NOT active`,
        [name],
      );
      await pool.query(`DROP SCHEMA ${name} CASCADE`);
      await pool.end();
    },
  };
}
