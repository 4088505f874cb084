import type { Category, CategoryProducts, Product } from '#catalog';
import type { ProductChanges } from './catalog-types.js';

/** Postgres access of the catalog API; abstract so tests can substitute it. */
export abstract class CatalogRepository {
  abstract findProduct(id: string): Promise<Product | undefined>;
  abstract findCategoryProducts(categoryId: string): Promise<CategoryProducts | undefined>;
  /** The updated product, or undefined when `id` is unknown. Throws {@link UnknownCategoryError}. */
  abstract updateProduct(id: string, changes: ProductChanges): Promise<Product | undefined>;
  abstract updateCategory(id: string, name: string): Promise<Category | undefined>;
}

/** `category_id` names no category (a foreign-key violation). */
export class UnknownCategoryError extends Error {
  constructor(readonly categoryId: string) {
    super(`category ${categoryId} does not exist`);
    this.name = 'UnknownCategoryError';
  }
}
