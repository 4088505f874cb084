import type pg from 'pg';
import { toCacheVersion } from '#cache-keys';
import {
  PRODUCT_COLUMNS,
  productFromRow,
  type CatalogPage,
  type Category,
  type CategoryProducts,
  type Product,
  type ProductRow,
} from '#catalog';

type Page = Product | CategoryProducts;

/**
 * The catalog's loaders on a pool whose search_path is the audit schema (the primary, or the
 * lagging replica). Each load reads its page and its version in one snapshot: a product page's
 * version is the row's `updated_at` (bumped by a trigger on every commit of the row); a category
 * list's is the newest `updated_at` of the whole table in that snapshot, a watermark of the
 * changes the snapshot has seen (see docs/audit.md for what it cannot see).
 */
export class CatalogLoader {
  // The version travels beside the value, not inside it: the cached payload is the page alone.
  private readonly versions = new WeakMap<Page, string>();

  constructor(
    private readonly pool: pg.Pool,
    private readonly delayMs: () => number = () => 0,
  ) {}

  /** What the database holds for `entry` now; throws when the row is gone (never cached). */
  async load(entry: CatalogPage): Promise<Page> {
    const value =
      entry.kind === 'product'
        ? await this.product(entry.id)
        : await this.categoryProducts(entry.id);
    const delay = this.delayMs();
    // A slow app between its SELECT and its cache write: the window a stale set needs.
    if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
    return value;
  }

  /** The version of a value this loader returned (canonical text), or null for another value. */
  versionOf(value: unknown): string | null {
    return typeof value === 'object' && value !== null
      ? (this.versions.get(value as Page) ?? null)
      : null;
  }

  private async product(id: string): Promise<Product> {
    const { rows } = await this.pool.query<ProductRow & { version: string }>(
      `SELECT ${PRODUCT_COLUMNS}, updated_at::text AS version FROM products WHERE id = $1`,
      [id],
    );
    const row = rows[0];
    if (row === undefined) throw new Error(`product ${id} does not exist`);
    const { version, ...rest } = row;
    return this.versioned(productFromRow(rest), version);
  }

  private async categoryProducts(id: string): Promise<CategoryProducts> {
    const client = await this.pool.connect();
    try {
      // One snapshot for the category, its products and the watermark (a hot standby serves
      // read-only repeatable-read transactions).
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const category = await client.query<Category>(
        'SELECT id::text, name, parent_id::text FROM categories WHERE id = $1',
        [id],
      );
      const products = await client.query<ProductRow>(
        `SELECT ${PRODUCT_COLUMNS} FROM products WHERE category_id = $1 ORDER BY id`,
        [id],
      );
      const watermark = await client.query<{ version: string | null }>(
        'SELECT max(updated_at)::text AS version FROM products',
      );
      await client.query('COMMIT');
      const found = category.rows[0];
      if (found === undefined) throw new Error(`category ${id} does not exist`);
      const page = { category: found, products: products.rows.map(productFromRow) };
      return this.versioned(page, watermark.rows[0]?.version ?? null);
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  private versioned<T extends Page>(page: T, version: string | null): T {
    if (version !== null) this.versions.set(page, toCacheVersion(version));
    return page;
  }
}
