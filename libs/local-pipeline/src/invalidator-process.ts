import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { TimeoutError, withTimeout } from '#retry';
import { waitFor } from './condition-poller.js';
import { parseLogLine, type LogLine } from './log-line-parser.js';
import { trackChild } from './process-registry.js';
import { PrometheusScrape } from './prometheus-scrape.js';
import { repoPath, repoRoot } from './repo-paths.js';
import { freePort } from './tcp-port-probe.js';

/** How {@link InvalidatorProcess.start} runs the built service. */
export interface InvalidatorProcessOptions {
  /** Shown in errors and log dumps. */
  readonly label: string;
  /** The service's INVALIDATOR_* configuration; HTTP host and port are chosen here. */
  readonly env: Readonly<Record<string, string>>;
  /** What the service inherits besides `env`. @default this environment without INVALIDATOR_* */
  readonly baseEnv?: NodeJS.ProcessEnv;
  /** The built entry point to run (another build, e.g. an older commit's). @default this repository's `dist/apps/invalidator/src/main.js` */
  readonly main?: string;
  /** Node flags before the script (a profiler preload). @default [] */
  readonly nodeArgs?: readonly string[];
  /** Also appends stdout and stderr to this file. @default none */
  readonly logPath?: string;
  /** Log lines kept (parsed) in {@link InvalidatorProcess.logs}; 0 parses none. @default Infinity */
  readonly keepLogLines?: number;
  /** @default 60000 */
  readonly readyTimeoutMs?: number;
  /** @default 100 */
  readonly readyIntervalMs?: number;
  /** Aborts the wait for readiness. */
  readonly signal?: AbortSignal;
}

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** The built invalidator service (`dist/apps/invalidator/src/main.js`) as a child process. */
export class InvalidatorProcess {
  /** What it logged, oldest first (at most `keepLogLines`). */
  readonly logs: LogLine[] = [];
  /** When `/health/ready` first answered 200 (epoch ms). */
  readyAt = 0;
  private exit: Exit | null = null;
  private readonly exited: Promise<Exit>;

  private constructor(
    readonly options: InvalidatorProcessOptions,
    readonly port: number,
    private readonly child: ChildProcess,
  ) {
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exit = { code, signal };
        resolve(this.exit);
      });
    });
    const keep = options.keepLogLines ?? Infinity;
    const file = options.logPath === undefined ? undefined : createWriteStream(options.logPath);
    for (const stream of [child.stdout, child.stderr]) {
      if (stream === null) continue;
      if (file !== undefined) stream.pipe(file);
      if (keep <= 0) {
        stream.resume(); // drained, or a full pipe would block the service
        continue;
      }
      createInterface({ input: stream }).on('line', (line) => {
        this.logs.push(parseLogLine(line));
        if (this.logs.length > keep) this.logs.shift();
      });
    }
  }

  /** Starts the service and resolves once `/health/ready` answers 200 (kills it otherwise). */
  static async start(options: InvalidatorProcessOptions): Promise<InvalidatorProcess> {
    const main = options.main ?? repoPath('dist', 'apps', 'invalidator', 'src', 'main.js');
    if (!existsSync(main)) throw new Error(`${main} is missing: run \`npm run build\` first`);
    const port = await freePort();
    const child = spawn(process.execPath, [...(options.nodeArgs ?? []), main], {
      cwd: repoRoot(),
      env: {
        ...(options.baseEnv ?? withoutInvalidatorVariables(process.env)),
        ...options.env,
        INVALIDATOR_HTTP_HOST: '127.0.0.1',
        INVALIDATOR_HTTP_PORT: String(port),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    trackChild(child);
    const service = new InvalidatorProcess(options, port, child);
    try {
      await service.waitReadiness(200, options.readyTimeoutMs ?? 60_000, options.signal);
      service.readyAt = Date.now();
    } catch (error) {
      await service.kill();
      throw error;
    }
    return service;
  }

  /** A new process with the same options (group, dead-letter topic…), after a stop or kill. */
  restart(): Promise<InvalidatorProcess> {
    return InvalidatorProcess.start(this.options);
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get alive(): boolean {
    return this.exit === null;
  }

  /** How it exited; null while it runs. */
  get exitStatus(): Exit | null {
    return this.exit;
  }

  /** Its consumer group (`INVALIDATOR_KAFKA_GROUP_ID`, or the service's default). */
  get groupId(): string {
    return this.options.env.INVALIDATOR_KAFKA_GROUP_ID ?? 'invalidator';
  }

  /** Its dead-letter topic (`INVALIDATOR_DLQ_TOPIC`, or the service's default). */
  get deadLetterTopic(): string {
    return this.options.env.INVALIDATOR_DLQ_TOPIC ?? 'invalidator.dlq';
  }

  /** `GET /health/ready`: the status code and body, or null when nothing answers. */
  async readiness(): Promise<{ status: number; body: Record<string, unknown> } | null> {
    try {
      const response = await fetch(`${this.url}/health/ready`, {
        signal: AbortSignal.timeout(3_000),
      });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    } catch {
      return null;
    }
  }

  /** @default timeoutMs 60000 */
  async waitReady(timeoutMs = 60_000): Promise<void> {
    await this.waitReadiness(200, timeoutMs);
  }

  /** Waits for a 503 and returns its body. @default timeoutMs 30000 */
  async waitNotReady(timeoutMs = 30_000): Promise<Record<string, unknown>> {
    return this.waitReadiness(503, timeoutMs);
  }

  private async waitReadiness(
    status: number,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<Record<string, unknown>> {
    try {
      return await waitFor(
        async () => {
          if (this.exit !== null) throw new Error(`exited with ${JSON.stringify(this.exit)}`);
          const answer = await this.readiness();
          return answer?.status === status ? answer.body : undefined;
        },
        {
          timeoutMs,
          intervalMs: this.options.readyIntervalMs ?? 100,
          what: `${this.options.label} /health/ready ${status}`,
          ...(signal === undefined ? {} : { signal }),
        },
      );
    } catch (error) {
      throw new Error(`${(error as Error).message}\n${this.logTail()}`, { cause: error });
    }
  }

  /** One scrape of `/metrics`. */
  async metrics(): Promise<PrometheusScrape> {
    const response = await fetch(`${this.url}/metrics`, { signal: AbortSignal.timeout(5_000) });
    if (!response.ok) throw new Error(`GET /metrics: HTTP ${response.status}`);
    return new PrometheusScrape(await response.text());
  }

  /**
   * Sends `signal` and waits for the exit; after `timeoutMs` sends SIGKILL, waits, and throws.
   * @default timeoutMs 30000, signal 'SIGTERM'
   */
  async stop(timeoutMs = 30_000, signal: NodeJS.Signals = 'SIGTERM'): Promise<Exit> {
    if (this.exit !== null) return this.exit;
    this.child.kill(signal);
    try {
      return await withTimeout(this.exited, timeoutMs, `${this.options.label} exit`);
    } catch (error) {
      if (!(error instanceof TimeoutError)) throw error;
    }
    this.child.kill('SIGKILL');
    await this.exited;
    throw new Error(`${this.options.label} still running ${timeoutMs} ms after ${signal}`);
  }

  /** Sends `signal` without waiting (SIGUSR2 to a profiler preload). */
  signal(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  /** SIGKILL: no shutdown hook runs, nothing more is committed. */
  async kill(): Promise<Exit> {
    if (this.exit !== null) return this.exit;
    this.child.kill('SIGKILL');
    return this.exited;
  }

  /** The first log line matching `predicate` (polls). @default timeoutMs 30000 */
  waitForLog(predicate: (line: LogLine) => boolean, timeoutMs = 30_000): Promise<LogLine> {
    return waitFor(() => this.logs.find(predicate), {
      timeoutMs,
      what: `${this.options.label} log line`,
    });
  }

  /** The last lines of the log, for failure messages. @default lines 30 */
  logTail(lines = 30): string {
    const where = this.options.logPath === undefined ? '' : ` (all in ${this.options.logPath})`;
    return [
      `--- last ${lines} log lines of ${this.options.label} (group ${this.groupId})${where} ---`,
      ...this.logs.slice(-lines).map((l) => JSON.stringify(l)),
    ].join('\n');
  }
}

function withoutInvalidatorVariables(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(env).filter(([name]) => !name.startsWith('INVALIDATOR_')),
  );
}
