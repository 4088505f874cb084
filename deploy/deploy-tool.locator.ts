import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { repoPath } from '#local-pipeline';

/** A deployment tool the deploy tests run: Helm (built into the stack cache) or promtool. */
export interface DeployTool {
  readonly name: string;
  /** Absolute path, or undefined when the tool is not installed. */
  readonly path: string | undefined;
  /** Why the tests that need it are skipped (only when `path` is undefined). */
  readonly missing: string;
}

/**
 * Finds `name` in the stack cache's bin directory (where deploy/local/deploy-tools.sh puts
 * Helm) or on PATH. With INVALIDATOR_REQUIRE_DEPLOY_TOOLS=1 (CI) a missing tool throws instead
 * of letting the tests skip.
 */
export function locateDeployTool(name: 'helm' | 'promtool'): DeployTool {
  const stackDir = process.env.INVALIDATOR_STACK_DIR ?? repoPath('.stack');
  const cached = join(stackDir, 'cache', 'bin', name);
  const onPath = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  const found = existsSync(cached)
    ? cached
    : onPath.status === 0
      ? onPath.stdout.trim()
      : undefined;
  const missing = `${name} is not installed: run \`bash deploy/local/deploy-tools.sh install\``;
  if (found === undefined && process.env.INVALIDATOR_REQUIRE_DEPLOY_TOOLS === '1') {
    throw new Error(`${missing} (INVALIDATOR_REQUIRE_DEPLOY_TOOLS=1)`);
  }
  return { name, path: found, missing };
}

/** Runs a tool to completion; returns its exit status and output (a non-zero exit does not throw). */
export function runTool(
  path: string,
  args: readonly string[],
): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(path, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.error !== undefined) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}
