import { readFile } from 'node:fs/promises';
// The CLI's in-process entry; apps have no `#name` entry, so the harness imports it by path.
// eslint-disable-next-line no-restricted-imports
import type { CliDatabase, CliDeps, CliSchemaCatalog } from '../../apps/cli/src/cli-deps.js';
// eslint-disable-next-line no-restricted-imports
import { runCli } from '../../apps/cli/src/cli-runner.js';

/** The repository root and the hand-written Debezium fixtures, for CLI specs. */
export const root = new URL('../../', import.meta.url).pathname;
export const fixtures = `${root}test/fixtures/debezium`;

/** What one in-process CLI run printed and returned. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in-process with captured output, a given stdin and an optional fake database. */
export async function cli(
  argv: string[],
  options: { stdin?: string; database?: CliDatabase; schemaCatalog?: CliSchemaCatalog } = {},
): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const deps: CliDeps = {
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
    readStdin: () => Promise.resolve(options.stdin ?? ''),
    readFile: (path) => readFile(path, 'utf8'),
    connect: () =>
      options.database
        ? Promise.resolve(options.database)
        : Promise.reject(new Error('no database')),
    connectSchemaCatalog: () =>
      options.schemaCatalog
        ? Promise.resolve(options.schemaCatalog)
        : Promise.reject(new Error('no database')),
  };
  const code = await runCli(argv, deps);
  return { code, stdout, stderr };
}
