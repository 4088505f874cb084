import { Body, Controller, Get, NotFoundException, Param, Put } from '@nestjs/common';
import { parseCategoryChanges, parseId } from './catalog-body-parser.js';
import { CatalogReader } from './catalog-reader.js';
import { CatalogRepository } from './catalog-repository.js';
import type { Category, CategoryProducts } from '#catalog';

/** Categories: the product list reads through the cache; the rename touches Postgres only. */
@Controller('categories')
export class CategoriesController {
  constructor(
    private readonly reader: CatalogReader,
    private readonly repository: CatalogRepository,
  ) {}

  @Get(':id/products')
  products(@Param('id') id: string): Promise<CategoryProducts> {
    return this.reader.categoryProducts(parseId(id, 'id'));
  }

  @Put(':id')
  async update(@Param('id') rawId: string, @Body() body: unknown): Promise<Category> {
    const id = parseId(rawId, 'id');
    const { name } = parseCategoryChanges(body);
    const category = await this.repository.updateCategory(id, name);
    if (category === undefined) throw new NotFoundException(`category ${id} does not exist`);
    return category;
  }
}
