import { Inject, Injectable } from '@nestjs/common';
import type pg from 'pg';
import { CatalogRepository, UnknownCategoryError } from './catalog-repository.js';
import {
  CatalogQueries,
  PRODUCT_COLUMNS,
  productFromRow,
  type Category,
  type CategoryProducts,
  type Product,
  type ProductRow,
} from '#catalog';
import type { ProductChanges } from './catalog-types.js';
import { PG_POOL } from './catalog-tokens.js';

/** {@link CatalogRepository} on a `pg` pool (tables resolved through the pool's search_path). */
@Injectable()
export class PgCatalogRepository extends CatalogRepository {
  private readonly queries: CatalogQueries;

  constructor(@Inject(PG_POOL) private readonly pool: pg.Pool) {
    super();
    this.queries = new CatalogQueries(pool);
  }

  findProduct(id: string): Promise<Product | undefined> {
    return this.queries.product(id);
  }

  findCategoryProducts(categoryId: string): Promise<CategoryProducts | undefined> {
    return this.queries.categoryProducts(categoryId);
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
      return rows[0] === undefined ? undefined : productFromRow(rows[0]);
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
