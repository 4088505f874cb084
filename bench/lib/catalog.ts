import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { delay, endpoints, repoRoot, waitFor } from './env.js';

/**
 * A copy of the demo catalog in a schema of the harness's own, captured by a Debezium connector
 * of its own (derived from deploy/debezium/postgres-connector.json), so real UPDATEs stream
 * through the real Kafka Connect without touching the demo tables or their topics.
 */
export class BenchCatalog {
  private connectorRegistered = false;

  private constructor(
    readonly name: string,
    readonly pool: pg.Pool,
  ) {}

  /** `<name>.<name>.products`: Debezium's topic for the schema's products. */
  get productsTopic(): string {
    return `${this.name}.${this.name}.products`;
  }

  static async create(name: string, products: number, firstId: number): Promise<BenchCatalog> {
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
      max: 16,
    });
    const catalog = new BenchCatalog(name, pool);
    try {
      for (const file of ['01-schema.sql', '02-seed.sql']) {
        await pool.query(readFileSync(join(repoRoot, 'deploy/postgres', file), 'utf8'));
      }
      await pool.query(
        `INSERT INTO products (id, name, price, category_id, brand_id)
         SELECT g, 'Bench product ' || g, 10.00, CASE WHEN g % 2 = 0 THEN 5 ELSE 7 END, 1 + g % 3
           FROM generate_series($1::bigint, $2::bigint) AS g`,
        [firstId, firstId + products - 1],
      );
    } catch (error) {
      await catalog.drop();
      throw error;
    }
    return catalog;
  }

  /** Registers the connector (streaming only: no snapshot) and waits until it and its task run. */
  async registerConnector(timeoutMs: number): Promise<void> {
    const base = JSON.parse(
      readFileSync(join(repoRoot, 'deploy/debezium/postgres-connector.json'), 'utf8'),
    ) as { config: Record<string, string> };
    const body = {
      name: this.name,
      config: {
        ...base.config,
        'topic.prefix': this.name,
        'slot.name': this.name,
        'publication.name': this.name,
        'schema.include.list': this.name,
        'table.include.list': ['brands', 'categories', 'products']
          .map((table) => `${this.name}.${table}`)
          .join(','),
        'snapshot.mode': 'no_data',
        'slot.drop.on.stop': 'true',
      },
    };
    await connect('POST', '/connectors', body);
    this.connectorRegistered = true;
    await waitFor(
      `connector ${this.name} RUNNING`,
      async () => {
        const status = (await connect('GET', `/connectors/${this.name}/status`)) as {
          connector?: { state: string; trace?: string };
          tasks?: { state: string; trace?: string }[];
        } | null;
        const all = [status?.connector, ...(status?.tasks ?? [])];
        const failed = all.find((s) => s?.state === 'FAILED');
        if (failed !== undefined) throw new Error(`connector FAILED: ${failed.trace ?? ''}`);
        return (status?.tasks?.length ?? 0) > 0 && all.every((s) => s?.state === 'RUNNING');
      },
      timeoutMs,
      250,
    );
  }

  /** One statement, one transaction: every row of [from, to] updated at once. */
  async updateRange(from: number, to: number): Promise<void> {
    await this.pool.query(
      'UPDATE products SET price = price + 1, updated_at = now() WHERE id BETWEEN $1 AND $2',
      [from, to],
    );
  }

  async update(id: number): Promise<void> {
    await this.pool.query(
      'UPDATE products SET price = price + 1, updated_at = now() WHERE id = $1',
      [id],
    );
  }

  /** Deletes the connector, then the slot, publication and schema (best effort, bounded). */
  async drop(): Promise<void> {
    if (this.connectorRegistered) {
      await connect('DELETE', `/connectors/${this.name}`).catch(() => undefined);
      await waitFor(
        `replication slot ${this.name} released`,
        async () => {
          const { rows } = await this.pool.query<{ active: boolean }>(
            'SELECT active FROM pg_replication_slots WHERE slot_name = $1',
            [this.name],
          );
          return rows.every((r) => !r.active);
        },
        30_000,
        250,
      ).catch(() => undefined);
    }
    const statements = [
      `DROP PUBLICATION IF EXISTS ${this.name}`,
      `SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '${this.name}' AND NOT active`,
      `DROP SCHEMA IF EXISTS ${this.name} CASCADE`,
    ];
    for (const sql of statements) {
      await this.pool.query(sql).catch(() => undefined);
      await delay(0);
    }
    await this.pool.end();
  }
}

async function connect(method: string, path: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${endpoints.connectUrl}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (!response.ok && response.status !== 404) {
    throw new Error(`Kafka Connect ${method} ${path}: HTTP ${response.status} ${text}`);
  }
  return text === '' ? null : (JSON.parse(text) as unknown);
}
