import { explainMessage, loadRules } from '#rules';
import type { CliDeps } from './cli-deps.js';
import { optional, required, type Values } from './cli-options-parser.js';

/**
 * `explain --rules <path> --topic <topic> --event <file|-> [--database-url <url>]`: prints what one
 * Kafka message value invalidates as a single JSON object.
 */
export async function explainCommand(values: Values, deps: CliDeps): Promise<number> {
  const rulesPath = required(values, 'rules');
  const topic = required(values, 'topic');
  const eventPath = required(values, 'event');
  const url = optional(values, 'database-url');
  const ruleSet = await loadRules(rulesPath);
  const text = eventPath === '-' ? await deps.readStdin() : await readEvent(deps, eventPath);
  const message = { topic, key: null, value: text };
  let output;
  if (url === undefined) {
    output = await explainMessage(ruleSet, message);
  } else {
    const database = await deps.connect(url);
    try {
      output = await explainMessage(ruleSet, message, database);
    } finally {
      await database.close();
    }
  }
  deps.stdout(`${JSON.stringify(output)}\n`);
  return 0;
}

async function readEvent(deps: CliDeps, path: string): Promise<string> {
  try {
    return await deps.readFile(path);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    throw new Error(`cannot read --event ${path}${typeof code === 'string' ? ` (${code})` : ''}`, {
      cause: error,
    });
  }
}
