import {
  checkAgainstDatabase,
  formatProblem,
  loadRules,
  ruleSetWarnings,
  RulesInvalidError,
} from '#rules';
import type { CliDeps } from './cli-deps.js';
import { optional, required, type Values } from './cli-options-parser.js';

/**
 * `validate --rules <path> [--database-url <url>]`: 0 when valid, 1 with every problem otherwise.
 * Warnings (see `ruleSetWarnings`) go to stderr and never change the exit code.
 */
export async function validateCommand(values: Values, deps: CliDeps): Promise<number> {
  const rulesPath = required(values, 'rules');
  const url = optional(values, 'database-url');
  const ruleSet = await loadRules(rulesPath);
  if (url !== undefined) {
    const database = await deps.connect(url);
    try {
      const problems = await checkAgainstDatabase(ruleSet, database);
      if (problems.length > 0) throw new RulesInvalidError(problems);
    } finally {
      await database.close();
    }
  }
  const warnings = ruleSetWarnings(ruleSet);
  for (const warning of warnings) deps.stderr(`warning: ${formatProblem(warning)}\n`);
  const checked = url === undefined ? '' : ', checked against the database';
  deps.stdout(
    `rules valid: ${ruleSet.files.length} file(s), ${ruleSet.entities.size} entities, ${ruleSet.rules.length} rules, ${ruleSet.edges.length} cascade edge(s)${checked}${warnings.length > 0 ? `, ${warnings.length} warning(s)` : ''}\n`,
  );
  return 0;
}
