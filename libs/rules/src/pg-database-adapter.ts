import pg from 'pg';
import type { CascadeLookup } from './cascade-expander.js';
import type { RulesCatalog, TableInfo } from './database-checker.js';
import type {
  CatalogForeignKey,
  CatalogTable,
  SchemaCatalog,
  SchemaDescription,
} from './schema-catalog-port.js';
import { DatabaseQueryError, DatabaseUnavailableError } from './rules.errors.js';
import type { LookupParam } from './template-renderer.js';

const IDENTITIES: Record<string, TableInfo['replicaIdentity']> = {
  d: 'default',
  f: 'full',
  n: 'nothing',
  i: 'index',
};

const TABLE_SQL = `
SELECT c.relreplident AS identity,
  ARRAY(SELECT a.attname::text FROM pg_attribute a
        WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum) AS columns,
  ARRAY(SELECT a.attname::text FROM pg_index i
        JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
        WHERE i.indrelid = c.oid
          AND CASE WHEN c.relreplident = 'i' THEN i.indisreplident ELSE i.indisprimary END) AS key
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p')`;

const SCHEMA_TABLES_SQL = `
SELECT n.nspname AS schema, c.relname AS name, c.relreplident AS identity,
  ARRAY(SELECT a.attname::text FROM pg_attribute a
        WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum) AS columns,
  ARRAY(SELECT a.attname::text FROM pg_index i
        CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
        JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
        WHERE i.indrelid = c.oid AND i.indisprimary ORDER BY k.ord) AS primary_key,
  CASE WHEN $2::text IS NULL THEN NULL ELSE EXISTS (
    SELECT 1 FROM pg_publication_tables p
    WHERE p.pubname = $2 AND p.schemaname = n.nspname AND p.tablename = c.relname) END AS published
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = ANY ($1::text[]) AND c.relkind IN ('r', 'p') AND NOT c.relispartition
ORDER BY n.nspname, c.relname`;

const COLUMNS_OF = (keys: string, relation: string) => `
  ARRAY(SELECT a.attname::text FROM unnest(con.${keys}) WITH ORDINALITY AS k(attnum, ord)
        JOIN pg_attribute a ON a.attrelid = con.${relation} AND a.attnum = k.attnum ORDER BY k.ord)`;

const SCHEMA_FOREIGN_KEYS_SQL = `
SELECT con.conname AS name, cn.nspname || '.' || cc.relname AS child,
  pn.nspname || '.' || pc.relname AS parent,
  ${COLUMNS_OF('conkey', 'conrelid')} AS columns, ${COLUMNS_OF('confkey', 'confrelid')} AS referenced
FROM pg_constraint con
JOIN pg_class cc ON cc.oid = con.conrelid JOIN pg_namespace cn ON cn.oid = cc.relnamespace
JOIN pg_class pc ON pc.oid = con.confrelid JOIN pg_namespace pn ON pn.oid = pc.relnamespace
WHERE con.contype = 'f' AND cn.nspname = ANY ($1::text[]) AND NOT cc.relispartition
ORDER BY cn.nspname, cc.relname, con.conname`;

const PUBLICATION_SQL = 'SELECT EXISTS (SELECT 1 FROM pg_publication WHERE pubname = $1) AS exists';

// Connection loss, resource exhaustion, shutdown, serialization failures: worth retrying. A
// statement timeout (57014) is not: the same lookup would time out again and block its partition.
const TRANSIENT_SQLSTATE = /^(08|53|57P|40)/;

/** Bounds of the connection pool behind {@link PgDatabase}. */
export interface PgDatabaseOptions {
  /** Connections at most, so lookups never flood the database. @default 1 */
  readonly max?: number;
  /** Server-side limit per statement. @default 5000 */
  readonly statementTimeoutMs?: number;
  /** @default 5000 */
  readonly connectionTimeoutMs?: number;
  /** @default 'invalidator' */
  readonly applicationName?: string;
}

/** PostgreSQL behind the cascade-lookup and catalog ports, on a bounded `pg` pool. */
export class PgDatabase implements CascadeLookup, RulesCatalog, SchemaCatalog {
  private constructor(private readonly pool: pg.Pool) {}

  /**
   * Opens a pool on `url` (`postgres://user:pass@host:port/db`) and checks that it answers.
   * @throws DatabaseUnavailableError when the server cannot be reached or refuses the login.
   */
  static async connect(url: string, options: PgDatabaseOptions = {}): Promise<PgDatabase> {
    const pool = new pg.Pool({
      connectionString: url,
      max: options.max ?? 1,
      statement_timeout: options.statementTimeoutMs ?? 5000,
      connectionTimeoutMillis: options.connectionTimeoutMs ?? 5000,
      application_name: options.applicationName ?? 'invalidator',
    });
    // An idle connection that drops is replaced on next use; unhandled, it would crash the process.
    pool.on('error', () => undefined);
    try {
      await pool.query('SELECT 1');
    } catch (error) {
      await pool.end();
      throw new DatabaseUnavailableError(
        error instanceof Error ? error.message : String(error),
        error,
      );
    }
    return new PgDatabase(pool);
  }

  /** Runs a lookup with bound params, reading at most `limit` rows. Integers arrive as strings. */
  async run(
    sql: string,
    params: readonly LookupParam[],
    options: { readonly limit: number },
  ): Promise<readonly Record<string, unknown>[]> {
    const limit = Math.max(0, Math.floor(options.limit));
    const result = await this.query(
      `SELECT * FROM (${sql}) AS cascade_rows LIMIT ${limit}`,
      params.map(String),
    );
    return result.rows;
  }

  /** Columns, replica identity and its key columns, from pg_catalog; null when absent. */
  async describeTable(table: string): Promise<TableInfo | null> {
    const [schema = '', name = ''] = table.split('.');
    const { rows } = await this.query(TABLE_SQL, [schema, name]);
    const row = rows[0] as { identity: string; columns: string[]; key: string[] } | undefined;
    if (row === undefined) return null;
    return {
      columns: row.columns,
      identityColumns: row.key,
      replicaIdentity: IDENTITIES[row.identity] ?? 'default',
    };
  }

  async describeLookup(
    sql: string,
    paramCount: number,
  ): Promise<{ columns: readonly string[] } | { error: string }> {
    // One connection for the whole transaction: the pool would spread statements over several.
    const client = await this.pool.connect();
    try {
      await this.query('BEGIN READ ONLY', [], client);
      const result = await client.query(
        `SELECT * FROM (${sql}) AS lookup LIMIT 0`,
        Array<null>(paramCount).fill(null),
      );
      return { columns: result.fields.map((field) => field.name) };
    } catch (error) {
      return { error: error instanceof Error ? error.message : String(error) };
    } finally {
      await this.query('ROLLBACK', [], client);
      client.release();
    }
  }

  /** Tables (ordinary and partitioned roots) and foreign keys of `schemas`, from pg_catalog. */
  async describeSchemas(
    schemas: readonly string[],
    publication: string | null,
  ): Promise<SchemaDescription> {
    const tables = await this.query(SCHEMA_TABLES_SQL, [schemas, publication]);
    const foreignKeys = await this.query(SCHEMA_FOREIGN_KEYS_SQL, [schemas]);
    const exists =
      publication === null
        ? null
        : (await this.query(PUBLICATION_SQL, [publication])).rows[0]?.exists === true;
    return {
      tables: tables.rows.map((row) => {
        const r = row as {
          schema: string;
          name: string;
          identity: string;
          columns: string[];
          primary_key: string[];
          published: boolean | null;
        };
        const table: CatalogTable = {
          schema: r.schema,
          name: r.name,
          columns: r.columns,
          primaryKey: r.primary_key,
          replicaIdentity: IDENTITIES[r.identity] ?? 'default',
          published: r.published,
        };
        return table;
      }),
      foreignKeys: foreignKeys.rows as unknown as CatalogForeignKey[],
      publication: publication === null ? null : { name: publication, exists: exists === true },
    };
  }

  /** Ends every connection. */
  async close(): Promise<void> {
    await this.pool.end();
  }

  private async query(
    sql: string,
    params: unknown[] = [],
    on: pg.Pool | pg.PoolClient = this.pool,
  ): Promise<pg.QueryResult<Record<string, unknown>>> {
    try {
      return await on.query<Record<string, unknown>>(sql, params);
    } catch (error) {
      throw toDatabaseQueryError(error);
    }
  }
}

/**
 * Classifies a failed query. Only the server's own errors carry an SQLSTATE; anything else (a
 * reset or refused connection, whose `code` is Node's `ECONNRESET`, `ECONNREFUSED`…, or a
 * connection that ended) is the network, and transient.
 */
export function toDatabaseQueryError(error: unknown): DatabaseQueryError {
  const state = error instanceof pg.DatabaseError ? (error.code ?? null) : null;
  const message = error instanceof Error ? error.message : String(error);
  return new DatabaseQueryError(
    message,
    state,
    state === null || TRANSIENT_SQLSTATE.test(state),
    error,
  );
}
