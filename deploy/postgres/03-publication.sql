-- Only these tables reach Kafka, whatever else lives in the database. The connector's
-- publication.autocreate.mode=filtered keeps it in step with table.include.list.
CREATE PUBLICATION invalidator_catalog FOR TABLE brands, categories, products;
