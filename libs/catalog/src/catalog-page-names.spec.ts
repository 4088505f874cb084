import { describe, expect, it } from 'vitest';
import { pageKey, pageOf, pageTags, type CatalogPage } from './catalog-page-names.js';

describe('catalog page names', () => {
  it('names pages as rules/catalog.yaml invalidates them', () => {
    expect(pageKey({ kind: 'product', id: '123' })).toBe('product:123');
    expect(pageTags({ kind: 'product', id: '123' })).toEqual(['product:123']);
    expect(pageKey({ kind: 'category-products', id: '5' })).toBe('category:5:products');
    expect(pageTags({ kind: 'category-products', id: '5' })).toEqual([]);
  });

  it('reads a key back into its page, and nothing else', () => {
    const pages: CatalogPage[] = [
      { kind: 'product', id: '9007199254740993' },
      { kind: 'category-products', id: '7' },
    ];
    for (const page of pages) expect(pageOf(pageKey(page))).toEqual(page);
    expect(pageOf('brand:1:products')).toBeUndefined();
    expect(pageOf('product:abc')).toBeUndefined();
  });
});
