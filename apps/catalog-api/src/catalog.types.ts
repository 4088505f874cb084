/** A product as the API returns it; ids and price are strings so they stay exact. */
export interface Product {
  id: string;
  name: string;
  price: string;
  category_id: string;
  brand_id: string | null;
  updated_at: string;
}

/** A category as the API returns it. */
export interface Category {
  id: string;
  name: string;
  parent_id: string | null;
}

/** `GET /categories/:id/products`. */
export interface CategoryProducts {
  category: Category;
  products: Product[];
}

/** Fields `PUT /products/:id` may change (at least one). */
export interface ProductChanges {
  name?: string;
  price?: string;
  category_id?: string;
}
