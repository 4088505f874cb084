/** The command line was wrong: exit 2 with the usage text. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export const USAGE = `Usage:
  invalidator validate --rules <dir|file> [--database-url <url>]
  invalidator explain  --rules <dir|file> --topic <topic> --event <file|-> [--database-url <url>]
  invalidator graph    --rules <dir|file> [--format mermaid|dot]
  invalidator schema   (prints the JSON Schema of rule files)

Exit codes: 0 ok, 1 invalid rules or input, 2 usage error.
`;
