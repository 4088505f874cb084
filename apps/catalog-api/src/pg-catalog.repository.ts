import { Inject, Injectable } from '@nestjs/common';
import type pg from 'pg';
import { CatalogRepository, UnknownCategoryError } from './catalog.repository.js';
import type { Category, CategoryProducts, Product, ProductChanges } from './catalog.types.js';
import { PG_POOL } from './catalog.tokens.js';

// bigint and numeric come back from pg as strings (exact); only the timestamp needs converting.
const PRODUCT_COLUMNS =
  'id::text, name, price::text, category_id::text, brand_id::text, updated_at';

interface ProductRow extends Omit<Product, 'updated_at'> {
  updated_at: Date;
}

function toProduct(row: ProductRow): Product {
  return { ...row, updated_at: row.updated_at.toISOString() };
}

/** {@link CatalogRepository} on a `pg` pool (tables resolved through the pool's search_path). */
@Injectable()
export class PgCatalogRepository extends CatalogRepository {
  constructor(@Inject(PG_POOL) private readonly pool: pg.Pool) {
    super();
  }

  async findProduct(id: string): Promise<Product | undefined> {
    const { rows } = await this.pool.query<ProductRow>(
      `SELECT ${PRODUCT_COLUMNS} FROM products WHERE id = $1`,
      [id],
    );
    return rows[0] === undefined ? undefined : toProduct(rows[0]);
  }

  async findCategoryProducts(categoryId: string): Promise<CategoryProducts | undefined> {
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
    return { category: found, products: products.rows.map(toProduct) };
  }

  async updateProduct(id: string, changes: ProductChanges): Promise<Product | undefined> {
    try {
      const { rows } = await this.pool.query<ProductRow>(
        `UPDATE products
            SET name = COALESCE($2, name), price = COALESCE($3::numeric, price),
                category_id = COALESCE($4::bigint, category_id), updated_at = now()
          WHERE id = $1
          RETURNING ${PRODUCT_COLUMNS}`,
        [id, changes.name ?? null, changes.price ?? null, changes.category_id ?? null],
      );
      return rows[0] === undefined ? undefined : toProduct(rows[0]);
    } catch (error) {
      if ((error as { code?: unknown }).code === '23503' && changes.category_id !== undefined) {
        throw new UnknownCategoryError(changes.category_id);
      }
      throw error;
    }
  }

  async updateCategory(id: string, name: string): Promise<Category | undefined> {
    const { rows } = await this.pool.query<Category>(
      'UPDATE categories SET name = $2 WHERE id = $1 RETURNING id::text, name, parent_id::text',
      [id, name],
    );
    return rows[0];
  }
}
