import type pg from 'pg';
import {
  createIsolatedCatalog,
  dropConnector,
  isolatedConnector,
  registerConnector,
  type IsolatedCatalog,
} from '#local-pipeline';

/**
 * A copy of the demo catalog in a schema of the harness's own, captured by a Debezium connector
 * of its own (derived from deploy/debezium/postgres-connector.json), so real UPDATEs stream
 * through the real Kafka Connect without touching the demo tables or their topics.
 */
export class BenchCatalog {
  private connectorRegistered = false;

  private constructor(private readonly catalog: IsolatedCatalog) {}

  get name(): string {
    return this.catalog.name;
  }

  get pool(): pg.Pool {
    return this.catalog.pool;
  }

  /** `<name>.<name>.products`: Debezium's topic for the schema's products. */
  get productsTopic(): string {
    return `${this.name}.${this.name}.products`;
  }

  static async create(name: string, products: number, firstId: number): Promise<BenchCatalog> {
    const catalog = await createIsolatedCatalog({ name, poolSize: 16 });
    try {
      await catalog.query(
        `INSERT INTO products (id, name, price, category_id, brand_id)
         SELECT g, 'Bench product ' || g, 10.00, CASE WHEN g % 2 = 0 THEN 5 ELSE 7 END, 1 + g % 3
           FROM generate_series($1::bigint, $2::bigint) AS g`,
        [firstId, firstId + products - 1],
      );
    } catch (error) {
      await catalog.drop().catch(() => undefined);
      throw error;
    }
    return new BenchCatalog(catalog);
  }

  /** Registers the connector (streaming only: no snapshot) and waits until it and its task run. */
  async registerConnector(timeoutMs: number): Promise<void> {
    this.connectorRegistered = true;
    await registerConnector(await isolatedConnector(this.name, { 'snapshot.mode': 'no_data' }), {
      timeoutMs,
    });
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

  /** Deletes the connector and its slot, then publication and schema (best effort, bounded). */
  async drop(): Promise<void> {
    if (this.connectorRegistered) {
      await dropConnector(this.name, this.pool).catch(() => undefined);
    }
    await this.catalog.drop().catch(() => undefined);
  }
}
