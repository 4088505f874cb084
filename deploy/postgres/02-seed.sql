-- Demo rows. Ids are given so docs and examples can name them; identities restart above them.
INSERT INTO brands (id, name) VALUES
  (1, 'Acme'),
  (2, 'Globex'),
  (3, 'Initech');

INSERT INTO categories (id, name, parent_id) VALUES
  (1, 'Hardware', NULL),
  (5, 'Widgets', 1),
  (7, 'Gadgets', 1);

INSERT INTO products (id, name, price, category_id, brand_id) VALUES
  (123, 'Blue Widget', 100.00, 5, 1),
  (124, 'Red Widget', 80.00, 5, 2),
  (125, 'Green Widget', 95.50, 5, 1),
  (200, 'Pocket Gadget', 19.99, 7, 3),
  (201, 'Desk Gadget', 49.00, 7, 2),
  (9007199254740993, 'Big-id Gadget', 1.00, 7, NULL);

SELECT setval(pg_get_serial_sequence('brands', 'id'), 1000);
SELECT setval(pg_get_serial_sequence('categories', 'id'), 1000);
SELECT setval(pg_get_serial_sequence('products', 'id'), 10000);
