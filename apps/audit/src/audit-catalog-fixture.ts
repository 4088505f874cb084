import type pg from 'pg';
import { createIsolatedCatalog, uniqueName, type CleanupStack } from '#local-pipeline';

/** The audit's own copy of the demo catalog, in a schema of its own. */
export interface AuditCatalog {
  /** Schema name; also the connector, topic prefix, slot and publication name. */
  readonly name: string;
  /** Catalog pool with the audit schema on the search path. */
  readonly pool: pg.Pool;
  /** Product ids readers and writers use (demo rows first, then generated ones). */
  readonly productIds: readonly string[];
  /** Category ids products move between. */
  readonly categoryIds: readonly string[];
  /** A category nobody reads: marker rows go there. */
  readonly markerCategoryId: string;
  /** Database URL with the audit schema on the search path (service cascade lookups). */
  readonly databaseUrl: string;
}

export interface CatalogSize {
  readonly products: number;
  readonly categories: number;
  readonly poolSize: number;
}

/**
 * An isolated copy of the demo catalog (see `createIsolatedCatalog`), its drop registered on
 * `cleanup` at once, then categories and products added up to the requested sizes.
 */
export async function createAuditCatalog(
  size: CatalogSize,
  cleanup: CleanupStack,
): Promise<AuditCatalog> {
  const catalog = await createIsolatedCatalog({
    name: uniqueName('audit'),
    poolSize: size.poolSize,
  });
  cleanup.push('drop schema and publication', () => catalog.drop());
  const { name, pool } = catalog;
  await pool.query(
    `INSERT INTO categories (name, parent_id)
     SELECT 'Audit category ' || g, 1 FROM generate_series(1, $1::int) AS g`,
    [Math.max(0, size.categories - 3)],
  );
  const categories = await pool.query<{ id: string }>(
    'SELECT id::text FROM categories ORDER BY id',
  );
  const categoryIds = categories.rows.map((row) => row.id);
  const marker = await pool.query<{ id: string }>(
    "INSERT INTO categories (name) VALUES ('Audit markers') RETURNING id::text",
  );
  await pool.query(
    `INSERT INTO products (name, price, category_id, brand_id)
     SELECT 'Audit product ' || g, 10 + g % 90, ($2::bigint[])[1 + g % cardinality($2::bigint[])],
            1 + g % 3
       FROM generate_series(1, $1::int) AS g`,
    [Math.max(0, size.products - 6), categoryIds],
  );
  const products = await pool.query<{ id: string }>(
    'SELECT id::text FROM products WHERE category_id <> $1 ORDER BY id',
    [marker.rows[0]?.id],
  );
  return {
    name,
    pool,
    productIds: products.rows.map((row) => row.id),
    categoryIds,
    markerCategoryId: marker.rows[0]?.id ?? '',
    databaseUrl: catalog.databaseUrl,
  };
}

/** Inserts a product nobody reads; its change event marks "everything before was streamed". */
export async function insertMarker(catalog: AuditCatalog): Promise<void> {
  await catalog.pool.query(
    "INSERT INTO products (name, price, category_id) VALUES ('audit marker', 0, $1)",
    [catalog.markerCategoryId],
  );
}
