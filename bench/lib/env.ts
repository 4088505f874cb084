import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism, totalmem } from 'node:os';
import { endpoints, portOpen, repoPath, repoRoot } from '#local-pipeline';

/** Every child process the harness started, so that all of them are killed, even on failure. */
const children = new Set<ChildProcess>();

export function track(child: ChildProcess): ChildProcess {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** Sends `signal`, then SIGKILL after `graceMs`; resolves once the process is gone. */
export async function stopChild(
  child: ChildProcess,
  graceMs = 10_000,
  signal: NodeJS.Signals = 'SIGTERM',
): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      resolve(code);
    });
  });
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  const code = await exited;
  clearTimeout(timer);
  return code;
}

export function killAllChildren(): void {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}

/** Runs a command to completion; rejects on a non-zero exit. Returns stdout. */
export function run(
  command: string,
  args: readonly string[],
  options: { timeoutMs: number; env?: NodeJS.ProcessEnv; inherit?: boolean },
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = track(
      spawn(command, args, {
        cwd: repoRoot(),
        env: options.env ?? process.env,
        stdio: ['ignore', 'pipe', options.inherit === true ? 'inherit' : 'pipe'],
      }),
    );
    let out = '';
    let err = '';
    child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else
        reject(
          new Error(`${command} ${args.join(' ')} exited with ${code ?? signal ?? '?'}: ${err}`),
        );
    });
  });
}

/** Starts the local stack unless its broker already answers (it is normally running; never stopped here). */
export async function ensureStack(log: (line: string) => void): Promise<void> {
  const checks = await Promise.all(
    [...endpoints.kafkaBrokers, `${endpoints.host}:${endpoints.redisPort}`].map((hostPort) =>
      portOpen(hostPort),
    ),
  );
  if (checks.every(Boolean)) return;
  log('local stack not running: bash deploy/local/stack.sh up');
  await run('bash', [repoPath('deploy', 'local', 'stack.sh'), 'up'], {
    timeoutMs: 900_000,
    inherit: true,
  });
}

/** What the report says about the machine. */
export function machine(): { nproc: number; memoryGiB: number; cpu: string; node: string } {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  const cpu = /model name\s*:\s*(.+)/.exec(cpuinfo)?.[1]?.trim() ?? 'unknown';
  return {
    nproc: availableParallelism(),
    memoryGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    cpu,
    node: process.version,
  };
}

/** Peak and current resident set of a process, in MiB (Linux /proc). */
/**
 * CPU time (user + system) a process has used so far, in ms, from `/proc/<pid>/stat` (fields 14
 * and 15, in clock ticks of 10 ms on Linux); null when the process is gone.
 */
export function cpuMsOf(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? ticks * CLOCK_TICK_MS : null;
  } catch {
    return null;
  }
}

const CLOCK_TICK_MS = 10;

/** CPU time (user + system) this process has used so far, in ms. */
export function ownCpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

export function memoryOf(pid: number): { hwmMiB: number; rssMiB: number } | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`${field}:\\s*(\\d+)`).exec(status)?.[1] ?? 0);
    return { hwmMiB: kb('VmHWM') / 1024, rssMiB: kb('VmRSS') / 1024 };
  } catch {
    return null;
  }
}
