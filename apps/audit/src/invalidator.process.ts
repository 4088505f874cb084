import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { pollUntil } from './poll.util.js';
import { PrometheusScrape } from './prometheus.scrape.js';

const TAIL_LINES = 40;

/** A free loopback port (the service binds it right after). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address !== null && typeof address === 'object') resolve(address.port);
        else reject(new Error('no free port'));
      });
    });
  });
}

/** The built invalidator service (`dist/apps/invalidator/src/main.js`) as a child process. */
export class InvalidatorProcess {
  private readonly tail: string[] = [];
  private exit: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  private readonly exited: Promise<void>;

  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
  ) {
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exit = { code, signal };
        resolve();
      });
    });
    for (const stream of [child.stdout, child.stderr]) {
      if (stream === null) continue;
      createInterface({ input: stream }).on('line', (line) => {
        this.tail.push(line);
        if (this.tail.length > TAIL_LINES) this.tail.shift();
      });
    }
  }

  /** Starts it with `env` (on top of the parent's non-INVALIDATOR_* variables). */
  static async start(
    root: string,
    env: Readonly<Record<string, string>>,
    signal: AbortSignal,
  ): Promise<InvalidatorProcess> {
    const main = join(root, 'dist', 'apps', 'invalidator', 'src', 'main.js');
    if (!existsSync(main)) throw new Error(`${main} is missing: run \`npm run build\` first`);
    const port = await freePort();
    const inherited = Object.fromEntries(
      Object.entries(process.env).filter(([name]) => !name.startsWith('INVALIDATOR_')),
    );
    const child = spawn(process.execPath, [main], {
      cwd: root,
      env: {
        ...inherited,
        ...env,
        INVALIDATOR_HTTP_HOST: '127.0.0.1',
        INVALIDATOR_HTTP_PORT: String(port),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // Whatever happens to the audit, the service must not outlive it.
    const killOnExit = (): void => {
      child.kill('SIGKILL');
    };
    process.once('exit', killOnExit);
    child.once('exit', () => process.removeListener('exit', killOnExit));
    const service = new InvalidatorProcess(child, port);
    try {
      await pollUntil(
        async () => {
          if (service.exit !== null) {
            throw new Error(`invalidator exited: ${JSON.stringify(service.exit)}`);
          }
          const response = await fetch(`${service.url}/health/ready`, {
            signal: AbortSignal.timeout(3_000),
          });
          return response.status === 200;
        },
        { what: 'invalidator /health/ready', timeoutMs: 60_000, signal },
      );
    } catch (error) {
      await service.stop();
      throw new Error(`${(error as Error).message}\n${service.logTail()}`, { cause: error });
    }
    return service;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get alive(): boolean {
    return this.exit === null;
  }

  async metrics(): Promise<PrometheusScrape> {
    const response = await fetch(`${this.url}/metrics`, { signal: AbortSignal.timeout(5_000) });
    if (!response.ok) throw new Error(`GET /metrics: HTTP ${response.status}`);
    return new PrometheusScrape(await response.text());
  }

  /** SIGTERM; SIGKILL if it is still running after `graceMs`. */
  async stop(graceMs = 15_000): Promise<void> {
    if (this.exit !== null) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    try {
      await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  logTail(): string {
    return ['--- invalidator log tail ---', ...this.tail].join('\n');
  }
}
