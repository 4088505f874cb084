import {
  BadRequestException,
  Body,
  Controller,
  Get,
  NotFoundException,
  Param,
  Put,
} from '@nestjs/common';
import { parseId, parseProductChanges } from './catalog-body-parser.js';
import { CatalogReader } from './catalog-reader.js';
import { CatalogRepository, UnknownCategoryError } from './catalog-repository.js';
import type { Product } from '#catalog';

/** Products: reads through the cache; writes touch Postgres only (the invalidator does the rest). */
@Controller('products')
export class ProductsController {
  constructor(
    private readonly reader: CatalogReader,
    private readonly repository: CatalogRepository,
  ) {}

  @Get(':id')
  get(@Param('id') id: string): Promise<Product> {
    return this.reader.product(parseId(id, 'id'));
  }

  @Put(':id')
  async update(@Param('id') rawId: string, @Body() body: unknown): Promise<Product> {
    const id = parseId(rawId, 'id');
    const changes = parseProductChanges(body);
    try {
      const product = await this.repository.updateProduct(id, changes);
      if (product === undefined) throw new NotFoundException(`product ${id} does not exist`);
      return product;
    } catch (error) {
      if (error instanceof UnknownCategoryError) {
        throw new BadRequestException(`category_id: ${error.message}`);
      }
      throw error;
    }
  }
}
