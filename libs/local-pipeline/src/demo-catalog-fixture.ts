import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import pg from 'pg';
import { repoPath } from './repo-paths.js';
import { endpoints } from './stack-endpoints.js';

/** The demo catalog's tables, in the order Debezium is told about them. */
export const DEMO_TABLES = ['brands', 'categories', 'products'] as const;
export type DemoTable = (typeof DEMO_TABLES)[number];

/** A copy of the demo catalog in a schema of its own, so a run's changes and topics are its own. */
export interface IsolatedCatalog {
  /** Schema name, also used as connector name, topic prefix, slot and publication. */
  readonly name: string;
  /** Pool with the schema first on the search path. */
  readonly pool: pg.Pool;
  /** The catalog database with the schema first on the search path (service cascade lookups). */
  readonly databaseUrl: string;
  /** Runs SQL with the schema first on the search path. */
  query(sql: string, params?: unknown[]): Promise<pg.QueryResult>;
  /** Drops publication, idle slot and schema (each step tried), then ends the pool. */
  drop(): Promise<void>;
}

/** Options of {@link createIsolatedCatalog}. */
export interface IsolatedCatalogOptions {
  /** The schema name: a plain lower-case identifier (see {@link uniqueName}). */
  readonly name: string;
  /** @default 4 */
  readonly poolSize?: number;
}

/** `<prefix>_<8 hex digits>`: a schema, connector and slot name nobody else uses. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${randomBytes(4).toString('hex')}`;
}

/**
 * Creates the schema and loads deploy/postgres/01-schema.sql and 02-seed.sql into it. A failure
 * after the schema exists drops it again before rethrowing.
 */
export async function createIsolatedCatalog(
  options: IsolatedCatalogOptions,
): Promise<IsolatedCatalog> {
  const { name } = options;
  const admin = new pg.Client({ connectionString: endpoints.postgresUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE SCHEMA ${name}`);
  } finally {
    await admin.end();
  }
  const pool = new pg.Pool({
    connectionString: endpoints.postgresUrl,
    options: `-c search_path=${name}`,
    max: options.poolSize ?? 4,
  });
  const catalog: IsolatedCatalog = {
    name,
    pool,
    databaseUrl: `${endpoints.postgresUrl}?options=${encodeURIComponent(`-c search_path=${name}`)}`,
    query: (sql, params) => pool.query(sql, params),
    drop: () => dropCatalog(pool, name),
  };
  try {
    for (const file of ['01-schema.sql', '02-seed.sql']) {
      await pool.query(await readFile(repoPath('deploy', 'postgres', file), 'utf8'));
    }
  } catch (error) {
    await catalog.drop().catch(() => undefined);
    throw error;
  }
  return catalog;
}

async function dropCatalog(pool: pg.Pool, name: string): Promise<void> {
  const errors: unknown[] = [];
  const statements: [string, unknown[]][] = [
    [`DROP PUBLICATION IF EXISTS ${name}`, []],
    [
      `SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots
        WHERE slot_name = $1 AND NOT active`,
      [name],
    ],
    [`DROP SCHEMA IF EXISTS ${name} CASCADE`, []],
  ];
  try {
    for (const [sql, params] of statements) {
      await pool.query(sql, params).catch((error: unknown) => errors.push(error));
    }
  } finally {
    await pool.end();
  }
  if (errors.length > 0) throw new AggregateError(errors, `dropping schema ${name} failed`);
}
