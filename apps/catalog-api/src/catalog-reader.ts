import { Injectable, NotFoundException } from '@nestjs/common';
import { CacheClient } from '#cache-client';
import { CatalogRepository } from './catalog-repository.js';
import { pageKey, pageTags, type CategoryProducts, type Product } from '#catalog';

/**
 * Reads through the cache, with the key and tag names `rules/catalog.yaml` invalidates. Not-found
 * is thrown from the loader, so it is never cached (a created row needs no invalidation to show).
 */
@Injectable()
export class CatalogReader {
  constructor(
    private readonly cache: CacheClient,
    private readonly repository: CatalogRepository,
  ) {}

  product(id: string): Promise<Product> {
    const page = { kind: 'product', id } as const;
    return this.cache.get(
      pageKey(page),
      async () => {
        const product = await this.repository.findProduct(id);
        if (product === undefined) throw new NotFoundException(`product ${id} does not exist`);
        return product;
      },
      { tags: pageTags(page) },
    );
  }

  categoryProducts(categoryId: string): Promise<CategoryProducts> {
    const page = { kind: 'category-products', id: categoryId } as const;
    return this.cache.get(
      pageKey(page),
      async () => {
        const found = await this.repository.findCategoryProducts(categoryId);
        if (found === undefined) {
          throw new NotFoundException(`category ${categoryId} does not exist`);
        }
        return found;
      },
      { tags: pageTags(page) },
    );
  }
}
