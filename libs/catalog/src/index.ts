export type { Category, CategoryProducts, Product } from './catalog-types.js';
export { pageKey, pageOf, pageTags, type CatalogPage } from './catalog-page-names.js';
export {
  CatalogQueries,
  PRODUCT_COLUMNS,
  productFromRow,
  type ProductRow,
} from './catalog-queries.js';
