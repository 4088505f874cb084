import { readdir, readFile, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { compileRules } from './rule-compiler.js';
import type { RuleSet } from './rule-set-types.js';
import { RulesUnreadableError } from './rules.errors.js';
import type { RuleSource } from './yaml-source-parser.js';

const EXTENSIONS = new Set(['.yaml', '.yml']);

/**
 * Reads a rule file, or every `*.yaml`/`*.yml` file directly inside a directory, sorted by name.
 * @throws RulesUnreadableError when the path is missing, unreadable or holds no rule file.
 */
export async function readRuleSources(path: string): Promise<RuleSource[]> {
  let files: string[];
  try {
    const info = await stat(path);
    files = info.isDirectory()
      ? (await readdir(path, { withFileTypes: true }))
          .filter((entry) => entry.isFile() && EXTENSIONS.has(extname(entry.name)))
          .map((entry) => join(path, entry.name))
          .sort()
      : [path];
  } catch (error) {
    throw new RulesUnreadableError(path, describe(error), error);
  }
  if (files.length === 0)
    throw new RulesUnreadableError(path, 'no *.yaml or *.yml file in this directory');
  return Promise.all(
    files.map(async (file) => {
      try {
        return { path: file, text: await readFile(file, 'utf8') };
      } catch (error) {
        throw new RulesUnreadableError(file, describe(error), error);
      }
    }),
  );
}

/**
 * Reads and compiles rules from a file or directory.
 * @throws RulesUnreadableError or RulesInvalidError.
 */
export async function loadRules(path: string): Promise<RuleSet> {
  return compileRules(await readRuleSources(path));
}

function describe(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'ENOENT') return 'no such file or directory';
  if (code === 'EACCES') return 'permission denied';
  return error instanceof Error ? error.message : String(error);
}
