import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { CdcPipeline } from './cdc-pipeline.js';
import { endpoints } from './endpoints.js';
import { waitFor } from './wait-for.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const mainScript = fileURLToPath(
  new URL('../../dist/apps/invalidator/src/main.js', import.meta.url),
);

/** Where the service sends its deletes. */
export type RedisTarget =
  { readonly url: string } | { readonly clusterNodes: readonly { host: string; port: number }[] };

export interface InvalidatorProcessOptions {
  readonly pipeline: CdcPipeline;
  /** Shown in errors and log dumps. */
  readonly label: string;
  /** @default a group of its own */
  readonly groupId?: string;
  /** @default the stack's standalone Redis */
  readonly redis?: RedisTarget;
  /** @default a topic of its own, created here */
  readonly deadLetterTopic?: string;
  /** More INVALIDATOR_* variables (they win over the defaults here). */
  readonly env?: Readonly<Record<string, string>>;
  /** @default 60000 */
  readonly readyTimeoutMs?: number;
}

/** One JSON line the service logged (pino), or a non-JSON line kept as `msg`. */
export interface LogLine {
  readonly level?: number;
  readonly msg?: string;
  readonly [field: string]: unknown;
}

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** Samples of one Prometheus scrape. */
export class MetricsScrape {
  constructor(readonly text: string) {}

  /** Sum of the samples of `name` whose labels include `labels`. */
  value(name: string, labels: Readonly<Record<string, string>> = {}): number {
    let sum = 0;
    for (const line of this.text.split('\n')) {
      const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
      if (match?.[1] !== name) continue;
      const sampleLabels = new Map<string, string>();
      for (const label of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) {
        sampleLabels.set(label[1] ?? '', label[2] ?? '');
      }
      if (Object.entries(labels).every(([k, v]) => sampleLabels.get(k) === v)) {
        sum += Number(match[3]);
      }
    }
    return sum;
  }
}

const running = new Set<ChildProcess>();
// A test run that dies (or forgets its afterAll) must not leave services consuming behind it.
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** Kills every service process this module started that is still alive. For afterAll. */
export async function killAllInvalidators(): Promise<void> {
  const children = [...running];
  await Promise.all(
    children.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) {
            resolve();
            return;
          }
          child.once('exit', () => {
            resolve();
          });
          child.kill('SIGKILL');
        }),
    ),
  );
}

/** A TCP port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address !== null && typeof address === 'object') resolve(address.port);
        else reject(new Error('no port'));
      });
    });
  });
}

/**
 * The built invalidator (`dist/apps/invalidator/src/main.js`) as a real child process, with the
 * environment of one test: its topics, group, Redis, database, rules and dead-letter topic.
 */
export class InvalidatorProcess {
  readonly logs: LogLine[] = [];
  readonly exited: Promise<Exit>;
  private exit: Exit | null = null;

  private constructor(
    readonly options: InvalidatorProcessOptions,
    readonly groupId: string,
    readonly deadLetterTopic: string,
    readonly port: number,
    private readonly child: ChildProcess,
  ) {
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        running.delete(child);
        this.exit = { code, signal };
        resolve(this.exit);
      });
    });
    for (const stream of [child.stdout, child.stderr]) {
      if (stream === null) continue;
      createInterface({ input: stream }).on('line', (line) => {
        this.logs.push(parseLine(line));
      });
    }
  }

  /** Starts the service and resolves once `/health/ready` answers 200. */
  static async start(options: InvalidatorProcessOptions): Promise<InvalidatorProcess> {
    if (!existsSync(mainScript)) {
      throw new Error(`${mainScript} is missing: run \`npm run build\` first`);
    }
    const { pipeline } = options;
    const groupId = options.groupId ?? `${pipeline.name}.${options.label}.${suffix()}`;
    const deadLetterTopic =
      options.deadLetterTopic ?? (await pipeline.createTopic(`dlq.${options.label}.${suffix()}`));
    const port = await freePort();
    const redis = options.redis ?? { url: endpoints.redisUrl };
    const env: Record<string, string> = {
      INVALIDATOR_KAFKA_BROKERS: endpoints.kafkaBrokers.join(','),
      INVALIDATOR_KAFKA_CLIENT_ID: `${pipeline.name}-${options.label}`,
      INVALIDATOR_KAFKA_GROUP_ID: groupId,
      INVALIDATOR_KAFKA_TOPICS: Object.values(pipeline.topics).join(','),
      INVALIDATOR_DLQ_TOPIC: deadLetterTopic,
      INVALIDATOR_DATABASE_URL: pipeline.databaseUrl,
      INVALIDATOR_RULES_PATH: pipeline.rulesPath,
      INVALIDATOR_HTTP_HOST: '127.0.0.1',
      INVALIDATOR_HTTP_PORT: String(port),
      ...('url' in redis
        ? { INVALIDATOR_REDIS_URL: redis.url }
        : {
            INVALIDATOR_REDIS_CLUSTER_NODES: redis.clusterNodes
              .map((n) => `${n.host}:${n.port}`)
              .join(','),
          }),
      ...options.env,
    };
    const child = spawn(process.execPath, [mainScript], {
      cwd: repoRoot,
      env: { ...withoutInvalidatorVariables(process.env), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    running.add(child);
    const service = new InvalidatorProcess(options, groupId, deadLetterTopic, port, child);
    try {
      await service.waitReady(options.readyTimeoutMs ?? 60_000);
    } catch (error) {
      await service.kill();
      throw error;
    }
    return service;
  }

  /** A new process with the same options, group and dead-letter topic (after a stop or kill). */
  restart(): Promise<InvalidatorProcess> {
    return InvalidatorProcess.start({
      ...this.options,
      groupId: this.groupId,
      deadLetterTopic: this.deadLetterTopic,
    });
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

  /** `GET /health/ready`: the status code and body, or null when nothing answers. */
  async readiness(): Promise<{ status: number; body: Record<string, unknown> } | null> {
    try {
      const response = await fetch(`${this.url}/health/ready`, {
        signal: AbortSignal.timeout(3_000),
      });
      return {
        status: response.status,
        body: (await response.json()) as Record<string, unknown>,
      };
    } catch {
      return null;
    }
  }

  async waitReady(timeoutMs = 60_000): Promise<void> {
    await this.waitReadiness(200, timeoutMs);
  }

  async waitNotReady(timeoutMs = 30_000): Promise<Record<string, unknown>> {
    return this.waitReadiness(503, timeoutMs);
  }

  private async waitReadiness(status: number, timeoutMs: number): Promise<Record<string, unknown>> {
    try {
      return await waitFor(
        async () => {
          if (this.exit !== null) {
            throw new Error(`exited with ${JSON.stringify(this.exit)}`);
          }
          const answer = await this.readiness();
          return answer?.status === status ? answer.body : undefined;
        },
        { timeoutMs, intervalMs: 100, what: `${this.options.label} /health/ready ${status}` },
      );
    } catch (error) {
      throw new Error(`${(error as Error).message}\n${this.logTail()}`, { cause: error });
    }
  }

  async metrics(): Promise<MetricsScrape> {
    const response = await fetch(`${this.url}/metrics`, { signal: AbortSignal.timeout(5_000) });
    if (!response.ok) throw new Error(`GET /metrics: HTTP ${response.status}`);
    return new MetricsScrape(await response.text());
  }

  /** SIGTERM, then waits for the exit (SIGKILL after `timeoutMs`, and throws). */
  async stop(timeoutMs = 30_000): Promise<Exit> {
    if (this.exit !== null) return this.exit;
    this.child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.child.kill('SIGKILL');
        reject(new Error(`${this.options.label} still running ${timeoutMs} ms after SIGTERM`));
      }, timeoutMs);
    });
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** SIGKILL: no shutdown hook runs, nothing more is committed. */
  async kill(): Promise<Exit> {
    if (this.exit !== null) return this.exit;
    this.child.kill('SIGKILL');
    return this.exited;
  }

  /** The first log line matching `predicate` (polls). */
  waitForLog(predicate: (line: LogLine) => boolean, timeoutMs = 30_000): Promise<LogLine> {
    return waitFor(() => this.logs.find(predicate), {
      timeoutMs,
      what: `${this.options.label} log line`,
    });
  }

  /** The last lines of the log, for failure messages. */
  logTail(lines = 30): string {
    return [
      `--- last ${lines} log lines of ${this.options.label} (group ${this.groupId}) ---`,
      ...this.logs.slice(-lines).map((l) => JSON.stringify(l)),
    ].join('\n');
  }
}

function parseLine(line: string): LogLine {
  try {
    const parsed = JSON.parse(line) as unknown;
    if (parsed !== null && typeof parsed === 'object') return parsed as LogLine;
  } catch {
    // not JSON: kept as text below
  }
  return { msg: line };
}

function suffix(): string {
  return randomBytes(3).toString('hex');
}

function withoutInvalidatorVariables(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(env).filter(([name]) => !name.startsWith('INVALIDATOR_')),
  );
}
