import { spawn } from 'node:child_process';
import { repoPath, repoRoot } from '#local-pipeline';

const auditMain = repoPath('dist', 'apps', 'audit', 'src', 'main.js');

/**
 * Runs the built audit (`dist/apps/audit/src/main.js`) as a user does, as a child process with
 * this environment (the worktree's ports); SIGINT after `timeoutMs` (it then cleans up).
 */
export function runAudit(
  args: readonly string[],
  timeoutMs = 150_000,
): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [auditMain, ...args], {
      cwd: repoRoot(),
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGINT'), timeoutMs);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}
