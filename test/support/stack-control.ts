import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pause, repoPath, waitFor } from '#local-pipeline';

/** A server of the local stack that the fault tests stop, kill and start again. */
export type StackComponent = 'postgres' | 'redis' | 'kafka' | 'connect';

const stackDir = () => process.env.INVALIDATOR_STACK_DIR ?? repoPath('.stack');

/** Runs `deploy/local/stack.sh <args>` with this environment's ports; rejects on failure. */
export function stackScript(...args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [repoPath('deploy', 'local', 'stack.sh'), ...args], {
      // Only the four servers: the Redis Cluster is not what these faults are about.
      env: { ...process.env, INVALIDATOR_REDIS_CLUSTER: '0' },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`stack.sh ${args.join(' ')} exited with ${String(code)}`));
    });
  });
}

/** The pid the stack recorded for `component` in `.stack/run` (only Java servers and Redis). */
export async function stackPid(component: 'redis' | 'kafka' | 'connect'): Promise<number> {
  const text = await readFile(join(stackDir(), 'run', `${component}.pid`), 'utf8');
  const pid = Number(text.trim());
  if (!Number.isInteger(pid) || pid <= 0) throw new Error(`bad pid file for ${component}: ${text}`);
  return pid;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** SIGKILLs the stack's own `component` (its pid file) and waits until it is gone. */
export async function killComponent(component: 'redis' | 'kafka' | 'connect'): Promise<void> {
  const pid = await stackPid(component);
  process.kill(pid, 'SIGKILL');
  await waitFor(() => !alive(pid), { timeoutMs: 30_000, what: `${component} (pid ${pid}) gone` });
}

/** `stack.sh stop <component>` (PostgreSQL: `pg_ctl -m fast stop`). */
export function stopComponent(component: StackComponent): Promise<void> {
  return stackScript('stop', component);
}

/** `stack.sh up`: starts whatever is down again and waits until it is ready. */
export function startStack(): Promise<void> {
  return stackScript('up');
}

/** Kills `component`, leaves it down for `downMs`, starts it again; returns when it is ready. */
export async function killAndRestart(
  component: 'kafka' | 'connect',
  downMs: number,
): Promise<{ downAt: number; restartedAt: number }> {
  await killComponent(component);
  const downAt = Date.now();
  await pause(downMs);
  await startStack();
  return { downAt, restartedAt: Date.now() };
}
