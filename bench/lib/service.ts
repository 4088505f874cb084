import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { endpoints, freePort, memoryOf, repoRoot, stopChild, track, waitFor } from './env.js';

/** How one invalidator process is started. */
export interface ServiceOptions {
  name: string;
  topics: readonly string[];
  groupId: string;
  dlqTopic: string;
  rulesPath: string;
  redisUrl: string;
  logPath: string;
  /** Extra node flags (e.g. a profiler preload). */
  nodeArgs?: readonly string[];
  env?: Record<string, string>;
}

/** One `invalidator_invalidated` log line: a chunk applied to Redis. */
export interface ChunkLog {
  time: number;
  durationMs: number;
  changes: number;
  keys: number;
  tags: number;
}

/** The built service (`dist/apps/invalidator/src/main.js`) as a child process. */
export class ServiceProcess {
  private rssTimer: NodeJS.Timeout | undefined;
  /** [ms since start, RSS MiB] samples, every 250 ms. */
  readonly rss: [number, number][] = [];
  private peakHwm = 0;
  private readonly startedAt = Date.now();
  /** When /health/ready first answered 200 (consumer group joined, Redis reachable). */
  readyAt = 0;

  private constructor(
    readonly child: ChildProcess,
    readonly options: ServiceOptions,
    readonly metricsUrl: string,
    readonly readyUrl: string,
  ) {
    this.rssTimer = setInterval(() => {
      this.sample();
    }, 250);
  }

  static async start(options: ServiceOptions): Promise<ServiceProcess> {
    const port = await freePort();
    const log = createWriteStream(options.logPath);
    const child = track(
      spawn(
        process.execPath,
        [...(options.nodeArgs ?? []), join(repoRoot, 'dist/apps/invalidator/src/main.js')],
        {
          cwd: repoRoot,
          stdio: ['ignore', 'pipe', 'pipe'],
          env: {
            PATH: process.env.PATH ?? '',
            INVALIDATOR_KAFKA_BROKERS: endpoints.kafkaBroker,
            INVALIDATOR_KAFKA_TOPICS: options.topics.join(','),
            INVALIDATOR_KAFKA_GROUP_ID: options.groupId,
            INVALIDATOR_KAFKA_CLIENT_ID: options.name,
            INVALIDATOR_DLQ_TOPIC: options.dlqTopic,
            INVALIDATOR_REDIS_URL: options.redisUrl,
            INVALIDATOR_RULES_PATH: options.rulesPath,
            INVALIDATOR_HTTP_PORT: String(port),
            INVALIDATOR_SHUTDOWN_GRACE_MS: '10000',
            ...options.env,
          },
        },
      ),
    );
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
    const base = `http://127.0.0.1:${port}`;
    const service = new ServiceProcess(child, options, `${base}/metrics`, `${base}/health/ready`);
    try {
      await waitFor(
        `${options.name} ready (log: ${options.logPath})`,
        async () => {
          if (child.exitCode !== null) {
            throw new Error(
              `${options.name} exited with ${child.exitCode}; see ${options.logPath}`,
            );
          }
          const response = await fetch(service.readyUrl);
          return response.ok;
        },
        60_000,
        20,
      );
      service.readyAt = Date.now();
    } catch (error) {
      await service.stop();
      throw error;
    }
    return service;
  }

  /** Throws when the service is gone (crashed, or killed from outside): waiting on it is pointless. */
  assertAlive(): void {
    const { exitCode, signalCode } = this.child;
    if (exitCode !== null || signalCode !== null) {
      throw new Error(
        `${this.options.name} (pid ${this.pid}) exited early (${exitCode ?? signalCode ?? '?'}); see ${this.options.logPath}`,
      );
    }
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  private sample(): void {
    const memory = memoryOf(this.pid);
    if (memory === null) return;
    this.peakHwm = Math.max(this.peakHwm, memory.hwmMiB);
    this.rss.push([Date.now() - this.startedAt, memory.rssMiB]);
  }

  /** Peak resident set so far (VmHWM), MiB. */
  peakRssMiB(): number {
    this.sample();
    return this.peakHwm;
  }

  async metrics(): Promise<string> {
    const response = await fetch(this.metricsUrl);
    return response.text();
  }

  /** The per-chunk `invalidated` lines the service logged so far. */
  chunks(): ChunkLog[] {
    const lines = readFileSync(this.options.logPath, 'utf8').split('\n');
    const chunks: ChunkLog[] = [];
    for (const line of lines) {
      if (!line.includes('"msg":"invalidated"')) continue;
      try {
        const entry = JSON.parse(line) as Partial<ChunkLog>;
        chunks.push({
          time: Number(entry.time),
          durationMs: Number(entry.durationMs),
          changes: Number(entry.changes),
          keys: Number(entry.keys),
          tags: Number(entry.tags),
        });
      } catch {
        // a line cut by the end of the file
      }
    }
    return chunks;
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    clearInterval(this.rssTimer);
    this.rssTimer = undefined;
    return stopChild(this.child, 15_000, signal);
  }
}
