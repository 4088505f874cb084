/** A product as the catalog serves and caches it; ids and price are strings so they stay exact. */
export interface Product {
  id: string;
  name: string;
  price: string;
  category_id: string;
  brand_id: string | null;
  updated_at: string;
}

/** A category as the catalog serves it. */
export interface Category {
  id: string;
  name: string;
  parent_id: string | null;
}

/** A category's product list page. */
export interface CategoryProducts {
  category: Category;
  products: Product[];
}
