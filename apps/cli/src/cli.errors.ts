/** The command line was wrong: exit 2 with the usage text. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export const USAGE = `Usage:
  invalidator validate --rules <dir|file> [--database-url <url>]
  invalidator explain  --rules <dir|file> --topic <topic> --event <file|-> [--database-url <url>]
  invalidator graph    --rules <dir|file> [--format mermaid|dot]
  invalidator schema   (prints the JSON Schema of rule files)
  invalidator scaffold --database-url <url> [--schema <name>]... [--tables <t1,t2,...>]
                       [--key-prefix <p>] [--publication <name>]
  invalidator why      --rules <dir|file> <key>
  invalidator coverage --rules <dir|file> (--redis-url <url> | --redis-cluster-nodes <h:p,...>)
                       [--sample <n>] [--match <glob>]

Exit codes: 0 ok, 1 invalid rules or input, 2 usage error.
  why: 0 at least one match, 1 none. coverage: 0 every sampled family covered, 1 some are not.
  scaffold: 1 when the database cannot be read.
`;
