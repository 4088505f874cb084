import { Injectable, NotFoundException } from '@nestjs/common';
import { CacheClient } from '#cache-client';
import { CatalogRepository } from './catalog.repository.js';
import type { CategoryProducts, Product } from './catalog.types.js';

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
    return this.cache.get(
      `product:${id}`,
      async () => {
        const product = await this.repository.findProduct(id);
        if (product === undefined) throw new NotFoundException(`product ${id} does not exist`);
        return product;
      },
      { tags: [`product:${id}`] },
    );
  }

  categoryProducts(categoryId: string): Promise<CategoryProducts> {
    return this.cache.get(`category:${categoryId}:products`, async () => {
      const found = await this.repository.findCategoryProducts(categoryId);
      if (found === undefined) {
        throw new NotFoundException(`category ${categoryId} does not exist`);
      }
      return found;
    });
  }
}
