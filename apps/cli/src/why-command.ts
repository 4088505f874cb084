import { findKeyOrigins, loadRules } from '#rules';
import type { CliDeps } from './cli-deps.js';
import { required, type Values } from './cli-options-parser.js';
import { UsageError } from './cli.errors.js';

/**
 * `why --rules <path> <key>`: prints `{"key", "matches": [...]}`, every rule target whose template
 * can produce the key. Exit 0 with at least one match, 1 with none.
 */
export async function whyCommand(
  values: Values,
  deps: CliDeps,
  positionals: readonly string[],
): Promise<number> {
  const rulesPath = required(values, 'rules');
  if (positionals.length !== 1 || positionals[0] === undefined) {
    throw new UsageError(`why takes exactly one key, got ${positionals.length}`);
  }
  const key = positionals[0];
  const matches = findKeyOrigins(await loadRules(rulesPath), key);
  deps.stdout(`${JSON.stringify({ key, matches })}\n`);
  return matches.length > 0 ? 0 : 1;
}
