import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { availableParallelism, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: the nearest directory above this file with the project's package.json. */
export const repoRoot: string = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 10; i++) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      const { name } = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string };
      if (name === 'invalidator') return dir;
    }
    dir = dirname(dir);
  }
  throw new Error('bench: repository root (package.json named "invalidator") not found');
})();

function port(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 65535) {
    throw new Error(`${name}=${raw}: expected a TCP port number`);
  }
  return value;
}

const host = '127.0.0.1';

/** The local stack, same variables and defaults as deploy/local/stack.sh. */
export const endpoints = {
  host,
  postgresUrl: `postgres://invalidator:invalidator@${host}:${port('INVALIDATOR_PG_PORT', 55432)}/catalog`,
  redisUrl: `redis://${host}:${port('INVALIDATOR_REDIS_PORT', 56379)}`,
  redisPort: port('INVALIDATOR_REDIS_PORT', 56379),
  kafkaBroker: `${host}:${port('INVALIDATOR_KAFKA_PORT', 59092)}`,
  connectUrl: `http://${host}:${port('INVALIDATOR_CONNECT_PORT', 58083)}`,
} as const;

export function portOpen(hostPort: string): Promise<boolean> {
  const [h = host, p = '0'] = hostPort.split(':');
  return new Promise((resolve) => {
    const socket = connect({ host: h, port: Number(p) });
    socket.setTimeout(2_000, () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('connect', () => {
      socket.end();
      resolve(true);
    });
    socket.once('error', () => {
      resolve(false);
    });
  });
}

/** A TCP port nobody listens on right now (loopback). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const found = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => {
        resolve(found);
      });
    });
  });
}

/** Polls `probe` until it returns something other than undefined/false; throws after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs: number,
  intervalMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      throw new Error(`bench: timed out after ${timeoutMs} ms waiting for ${what}`, {
        cause: lastError,
      });
    }
    await delay(intervalMs);
  }
}

/** A pause between two polls or two ticks of a paced loop (never used to wait for a condition). */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

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
        cwd: repoRoot,
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
    [endpoints.kafkaBroker, `${host}:${endpoints.redisPort}`].map(portOpen),
  );
  if (checks.every(Boolean)) return;
  log('local stack not running: bash deploy/local/stack.sh up');
  await run('bash', [join(repoRoot, 'deploy/local/stack.sh'), 'up'], {
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
export function memoryOf(pid: number): { hwmMiB: number; rssMiB: number } | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`${field}:\\s*(\\d+)`).exec(status)?.[1] ?? 0);
    return { hwmMiB: kb('VmHWM') / 1024, rssMiB: kb('VmRSS') / 1024 };
  } catch {
    return null;
  }
}
