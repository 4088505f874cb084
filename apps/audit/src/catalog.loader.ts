import type pg from 'pg';

/** A product as the catalog API returns it (ids and price as exact strings). */
export interface Product {
  id: string;
  name: string;
  price: string;
  category_id: string;
  brand_id: string | null;
  updated_at: string;
}

export interface CategoryProducts {
  category: { id: string; name: string; parent_id: string | null };
  products: Product[];
}

/** One cached entry of the catalog: the key (without prefix) names what to load. */
export type CatalogEntry =
  { kind: 'product'; id: string } | { kind: 'category-products'; id: string };

// The same SQL, columns and shapes as apps/catalog-api's repository, with the rules' key names.
const PRODUCT_COLUMNS =
  'id::text, name, price::text, category_id::text, brand_id::text, updated_at';

type ProductRow = Omit<Product, 'updated_at'> & { updated_at: Date };

const toProduct = (row: ProductRow): Product => ({
  ...row,
  updated_at: row.updated_at.toISOString(),
});

export function keyOf(entry: CatalogEntry): string {
  return entry.kind === 'product' ? `product:${entry.id}` : `category:${entry.id}:products`;
}

/** The tags a read files its key under (what the catalog API passes). */
export function tagsOf(entry: CatalogEntry): string[] {
  return entry.kind === 'product' ? [`product:${entry.id}`] : [];
}

/** Parses an unprefixed key back into an entry; undefined for a name the catalog never caches. */
export function entryOf(key: string): CatalogEntry | undefined {
  const product = /^product:(\d+)$/.exec(key);
  if (product?.[1] !== undefined) return { kind: 'product', id: product[1] };
  const list = /^category:(\d+):products$/.exec(key);
  if (list?.[1] !== undefined) return { kind: 'category-products', id: list[1] };
  return undefined;
}

/** The catalog's loaders on a pool whose search_path is the audit schema. */
export class CatalogLoader {
  constructor(
    private readonly pool: pg.Pool,
    private readonly delayMs: () => number = () => 0,
  ) {}

  /** What the database holds for `entry` now; throws when the row is gone (never cached). */
  async load(entry: CatalogEntry): Promise<Product | CategoryProducts> {
    const value =
      entry.kind === 'product'
        ? await this.product(entry.id)
        : await this.categoryProducts(entry.id);
    const delay = this.delayMs();
    // A slow app between its SELECT and its cache write: the window a stale set needs.
    if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
    return value;
  }

  private async product(id: string): Promise<Product> {
    const { rows } = await this.pool.query<ProductRow>(
      `SELECT ${PRODUCT_COLUMNS} FROM products WHERE id = $1`,
      [id],
    );
    if (rows[0] === undefined) throw new Error(`product ${id} does not exist`);
    return toProduct(rows[0]);
  }

  private async categoryProducts(id: string): Promise<CategoryProducts> {
    const category = await this.pool.query<CategoryProducts['category']>(
      'SELECT id::text, name, parent_id::text FROM categories WHERE id = $1',
      [id],
    );
    const found = category.rows[0];
    if (found === undefined) throw new Error(`category ${id} does not exist`);
    const products = await this.pool.query<ProductRow>(
      `SELECT ${PRODUCT_COLUMNS} FROM products WHERE category_id = $1 ORDER BY id`,
      [id],
    );
    return { category: found, products: products.rows.map(toProduct) };
  }
}
