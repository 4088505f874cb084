import { rulesJsonSchema } from '#rules';
import type { CliDeps } from './cli-deps.js';

/** `schema`: prints the rule files' JSON Schema (what `npm run rules:schema` commits). */
export function schemaCommand(_values: unknown, deps: CliDeps): Promise<number> {
  deps.stdout(`${JSON.stringify(rulesJsonSchema(), null, 2)}\n`);
  return Promise.resolve(0);
}
