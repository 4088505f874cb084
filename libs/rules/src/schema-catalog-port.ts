import type { TableInfo } from './database-checker.js';

/** One table as the PostgreSQL catalog describes it, for scaffolding rules. */
export interface CatalogTable {
  readonly schema: string;
  readonly name: string;
  /** In column order. */
  readonly columns: readonly string[];
  /** Primary key columns in key order; empty when the table has none. */
  readonly primaryKey: readonly string[];
  readonly replicaIdentity: TableInfo['replicaIdentity'];
  /** Whether the publication asked for includes the table; null when none was asked for. */
  readonly published: boolean | null;
}

/** A foreign key `child(columns) → parent(referenced)`, tables schema-qualified. */
export interface CatalogForeignKey {
  readonly name: string;
  readonly child: string;
  readonly columns: readonly string[];
  readonly parent: string;
  readonly referenced: readonly string[];
}

/** What `invalidator scaffold` reads from the database. */
export interface SchemaDescription {
  /** Ordered by schema, then table name. */
  readonly tables: readonly CatalogTable[];
  /** Foreign keys whose child table is in `tables`, ordered by child, then constraint name. */
  readonly foreignKeys: readonly CatalogForeignKey[];
  /** The publication asked for and whether it exists; null when none was asked for. */
  readonly publication: { readonly name: string; readonly exists: boolean } | null;
}

/** The port through which rules are scaffolded from a live database (see `PgDatabase`). */
export interface SchemaCatalog {
  /** Tables and foreign keys of `schemas`, with publication membership when `publication` is set. */
  describeSchemas(
    schemas: readonly string[],
    publication: string | null,
  ): Promise<SchemaDescription>;
}
