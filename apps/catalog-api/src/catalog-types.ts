/** Fields `PUT /products/:id` may change (at least one). */
export interface ProductChanges {
  name?: string;
  price?: string;
  category_id?: string;
}
