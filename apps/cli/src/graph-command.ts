import { graph, loadRules, type GraphFormat } from '#rules';
import type { CliDeps } from './cli-deps.js';
import { optional, required, type Values } from './cli-options-parser.js';
import { UsageError } from './cli.errors.js';

const FORMATS: readonly GraphFormat[] = ['mermaid', 'dot'];

/** `graph --rules <path> [--format mermaid|dot]`: prints the dependency graph. */
export async function graphCommand(values: Values, deps: CliDeps): Promise<number> {
  const rulesPath = required(values, 'rules');
  const format = optional(values, 'format') ?? 'mermaid';
  if (!(FORMATS as readonly string[]).includes(format)) {
    throw new UsageError(`--format must be mermaid or dot, not "${format}"`);
  }
  deps.stdout(graph(await loadRules(rulesPath), format as GraphFormat));
  return 0;
}
