import { existsSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '#local-pipeline';
import { run } from './env.js';

/**
 * The service as it was at `commit`, built once into the system's temp directory (a `git archive`
 * of the commit, this checkout's node_modules linked in, `tsc -p tsconfig.build.json`), for a
 * same-run comparison with a code path that no longer exists. Returns its `main.js`.
 */
export async function oldServiceBuild(
  commit: string,
  log: (line: string) => void,
): Promise<string> {
  const dir = join(tmpdir(), `invalidator-${commit}`);
  const main = join(dir, 'dist', 'apps', 'invalidator', 'src', 'main.js');
  if (existsSync(main)) return main;
  log(`  building the service of commit ${commit} in ${dir} (once)`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  await run('bash', ['-c', `git archive ${commit} | tar -x -C '${dir}'`], { timeoutMs: 60_000 });
  symlinkSync(join(repoRoot(), 'node_modules'), join(dir, 'node_modules'));
  await run(
    process.execPath,
    [join(dir, 'node_modules/typescript/bin/tsc'), '-p', join(dir, 'tsconfig.build.json')],
    {
      timeoutMs: 600_000,
    },
  );
  if (!existsSync(main)) throw new Error(`the build of ${commit} produced no ${main}`);
  return main;
}
