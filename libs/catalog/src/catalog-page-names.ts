/** One cached page of the demo catalog. */
export type CatalogPage =
  | { readonly kind: 'product'; readonly id: string }
  | { readonly kind: 'category-products'; readonly id: string };

/**
 * The cache key of a page, as `rules/catalog.yaml` invalidates it. The one place that names the
 * catalog's keys, so the demo app and the audit always read and check the same entries.
 */
export function pageKey(page: CatalogPage): string {
  return page.kind === 'product' ? `product:${page.id}` : `category:${page.id}:products`;
}

/** The tags a page's key is filed under. */
export function pageTags(page: CatalogPage): string[] {
  return page.kind === 'product' ? [`product:${page.id}`] : [];
}

/** The page an (unprefixed) key names; undefined for a key the catalog never caches. */
export function pageOf(key: string): CatalogPage | undefined {
  const product = /^product:(\d+)$/.exec(key);
  if (product?.[1] !== undefined) return { kind: 'product', id: product[1] };
  const list = /^category:(\d+):products$/.exec(key);
  if (list?.[1] !== undefined) return { kind: 'category-products', id: list[1] };
  return undefined;
}
