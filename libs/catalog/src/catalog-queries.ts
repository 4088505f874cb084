import type pg from 'pg';
import type { Category, CategoryProducts, Product } from './catalog-types.js';

/** The product columns, cast so bigint and numeric come back from pg as exact strings. */
export const PRODUCT_COLUMNS =
  'id::text, name, price::text, category_id::text, brand_id::text, updated_at';

/** A row selected with {@link PRODUCT_COLUMNS}. */
export interface ProductRow extends Omit<Product, 'updated_at'> {
  updated_at: Date;
}

/** A selected row as the catalog serves it: only the timestamp needs converting. */
export function productFromRow(row: ProductRow): Product {
  return { ...row, updated_at: row.updated_at.toISOString() };
}

/**
 * What a catalog page holds, read from PostgreSQL (tables resolved through the pool's
 * search_path). The demo app fills its cache with these and the audit compares against them.
 */
export class CatalogQueries {
  constructor(private readonly pool: pg.Pool) {}

  async product(id: string): Promise<Product | undefined> {
    const { rows } = await this.pool.query<ProductRow>(
      `SELECT ${PRODUCT_COLUMNS} FROM products WHERE id = $1`,
      [id],
    );
    return rows[0] === undefined ? undefined : productFromRow(rows[0]);
  }

  async categoryProducts(categoryId: string): Promise<CategoryProducts | undefined> {
    const category = await this.pool.query<Category>(
      'SELECT id::text, name, parent_id::text FROM categories WHERE id = $1',
      [categoryId],
    );
    const found = category.rows[0];
    if (found === undefined) return undefined;
    const products = await this.pool.query<ProductRow>(
      `SELECT ${PRODUCT_COLUMNS} FROM products WHERE category_id = $1 ORDER BY id`,
      [categoryId],
    );
    return { category: found, products: products.rows.map(productFromRow) };
  }
}
