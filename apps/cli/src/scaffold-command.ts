import { scaffoldRules, type SchemaDescription } from '#rules';
import type { CliDeps } from './cli-deps.js';
import { optional, repeated, required, type Values } from './cli-options-parser.js';
import { UsageError } from './cli.errors.js';

/**
 * `scaffold --database-url <url> [--schema <name>]... [--tables <t1,t2>] [--key-prefix <p>]
 * [--publication <name>]`: prints a rule file for the tables found, warnings on stderr. Exit 1
 * when the database cannot be read.
 */
export async function scaffoldCommand(values: Values, deps: CliDeps): Promise<number> {
  const url = required(values, 'database-url');
  const schemas = repeated(values, 'schema');
  const tables = (optional(values, 'tables') ?? '')
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
  const keyPrefix = optional(values, 'key-prefix') ?? '';
  if (/[{}]/.test(keyPrefix)) throw new UsageError('--key-prefix must not contain { or }');
  const publication = optional(values, 'publication') ?? null;
  const source = describeUrl(url);
  const database = await deps.connectSchemaCatalog(url);
  let description: SchemaDescription;
  try {
    description = await database.describeSchemas(
      schemas.length > 0 ? schemas : ['public'],
      publication,
    );
  } finally {
    await database.close();
  }
  const selected = selectTables(description, tables);
  const { text, warnings } = scaffoldRules(selected, { keyPrefix, source });
  for (const warning of warnings) deps.stderr(`invalidator: warning: ${warning}\n`);
  deps.stdout(text);
  return 0;
}

/** Keeps the tables named by `--tables` (`name` or `schema.name`); every named one must exist. */
function selectTables(description: SchemaDescription, names: readonly string[]): SchemaDescription {
  if (names.length === 0) return description;
  const matches = (t: { schema: string; name: string }, n: string) =>
    n === t.name || n === `${t.schema}.${t.name}`;
  const missing = names.filter((n) => !description.tables.some((t) => matches(t, n)));
  if (missing.length > 0) {
    throw new UsageError(`--tables: no table ${missing.join(', ')} in the schemas read`);
  }
  const tables = description.tables.filter((t) => names.some((n) => matches(t, n)));
  const kept = new Set(tables.map((t) => `${t.schema}.${t.name}`));
  const foreignKeys = description.foreignKeys.filter((fk) => kept.has(fk.child));
  return { ...description, tables, foreignKeys };
}

/** `host:port/database` of a PostgreSQL URL: enough to name it in a header, no credentials. */
function describeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.host}${parsed.pathname}`;
  } catch {
    throw new UsageError('--database-url must be a URL such as postgres://user:pass@host:5432/db');
  }
}
