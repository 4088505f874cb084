import type pg from 'pg';
import { CatalogQueries, type CatalogPage, type CategoryProducts, type Product } from '#catalog';

/** The catalog's loaders on a pool whose search_path is the audit schema. */
export class CatalogLoader {
  private readonly queries: CatalogQueries;

  constructor(
    pool: pg.Pool,
    private readonly delayMs: () => number = () => 0,
  ) {
    this.queries = new CatalogQueries(pool);
  }

  /** What the database holds for `entry` now; throws when the row is gone (never cached). */
  async load(entry: CatalogPage): Promise<Product | CategoryProducts> {
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
    const product = await this.queries.product(id);
    if (product === undefined) throw new Error(`product ${id} does not exist`);
    return product;
  }

  private async categoryProducts(id: string): Promise<CategoryProducts> {
    const found = await this.queries.categoryProducts(id);
    if (found === undefined) throw new Error(`category ${id} does not exist`);
    return found;
  }
}
