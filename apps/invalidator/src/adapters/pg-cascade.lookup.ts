import pg from 'pg';
import { DatabaseQueryError, type CascadeLookup, type LookupParam } from '#rules';

/** Tuning of {@link PgCascadeLookup}. */
export interface PgCascadeLookupOptions {
  /** Connections at most, so cascades never flood the database. @default 4 */
  readonly max?: number;
  /** Server-side limit per lookup; a slower one fails (retriable) instead of piling up. @default 2000 */
  readonly statementTimeoutMs?: number;
  /** @default 5000 */
  readonly connectionTimeoutMs?: number;
}

// Connection loss, resource exhaustion, shutdown, serialization failures, timeouts: worth retrying.
const TRANSIENT_SQLSTATE = /^(08|53|57|40)/;

/** Cascade lookups on a bounded `pg` pool, read-only, with a statement timeout. */
export class PgCascadeLookup implements CascadeLookup {
  private readonly pool: pg.Pool;

  constructor(url: string, options: PgCascadeLookupOptions = {}) {
    this.pool = new pg.Pool({
      connectionString: url,
      max: options.max ?? 4,
      connectionTimeoutMillis: options.connectionTimeoutMs ?? 5_000,
      statement_timeout: options.statementTimeoutMs ?? 2_000,
      application_name: 'invalidator-cascades',
    });
    // An idle connection that drops is replaced on next use; without a listener it would crash us.
    this.pool.on('error', () => undefined);
  }

  async run(
    sql: string,
    params: readonly LookupParam[],
    options: { readonly limit: number },
  ): Promise<readonly Record<string, unknown>[]> {
    const limit = Math.max(0, Math.floor(options.limit));
    try {
      const result = await this.pool.query<Record<string, unknown>>(
        `SELECT * FROM (${sql}) AS cascade_rows LIMIT ${limit}`,
        params.map(String),
      );
      return result.rows;
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      const sqlState = typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : null;
      const message = error instanceof Error ? error.message : String(error);
      // No SQLSTATE means the server was not reached (ECONNREFUSED, timeouts): transient.
      const retriable = sqlState === null || TRANSIENT_SQLSTATE.test(sqlState);
      throw new DatabaseQueryError(message, sqlState, retriable, error);
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
