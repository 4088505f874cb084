import { readFileSync } from 'node:fs';
import { endpoints, InvalidatorProcess, type PrometheusScrape } from '#local-pipeline';
import { cpuMsOf, memoryOf } from './env.js';

/** How one invalidator process is started. */
export interface ServiceOptions {
  name: string;
  topics: readonly string[];
  groupId: string;
  dlqTopic: string;
  rulesPath: string;
  redisUrl: string;
  logPath: string;
  /** Another build's entry point (the pre-issue-10 service); default: this repository's build. */
  main?: string;
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

/** The built service as the bench runs it: its log in a file, its memory sampled. */
export class ServiceProcess {
  private rssTimer: NodeJS.Timeout | undefined;
  /** [ms since start, RSS MiB] samples, every 250 ms. */
  readonly rss: [number, number][] = [];
  private peakHwm = 0;
  private readonly startedAt = Date.now();
  /** CPU the process had used when it became ready (start-up excluded from per-event figures). */
  private readonly cpuAtReadyMs: number;

  private constructor(
    readonly service: InvalidatorProcess,
    readonly options: ServiceOptions,
  ) {
    this.rssTimer = setInterval(() => {
      this.sample();
    }, 250);
    this.cpuAtReadyMs = cpuMsOf(this.pid) ?? 0;
  }

  /** CPU time (user + system) used since the service became ready, in ms. */
  cpuMsSinceReady(): number {
    const now = cpuMsOf(this.pid);
    if (now === null) throw new Error(`${this.options.name} is gone: no CPU figure`);
    return now - this.cpuAtReadyMs;
  }

  static async start(options: ServiceOptions): Promise<ServiceProcess> {
    const service = await InvalidatorProcess.start({
      label: options.name,
      // Only PATH is inherited: the measured process sees no npm or shell variables.
      baseEnv: { PATH: process.env.PATH ?? '' },
      nodeArgs: options.nodeArgs ?? [],
      ...(options.main === undefined ? {} : { main: options.main }),
      logPath: options.logPath,
      keepLogLines: 0,
      readyIntervalMs: 20,
      env: {
        INVALIDATOR_KAFKA_BROKERS: endpoints.kafkaBrokers.join(','),
        INVALIDATOR_KAFKA_TOPICS: options.topics.join(','),
        INVALIDATOR_KAFKA_GROUP_ID: options.groupId,
        INVALIDATOR_KAFKA_CLIENT_ID: options.name,
        INVALIDATOR_DLQ_TOPIC: options.dlqTopic,
        INVALIDATOR_REDIS_URL: options.redisUrl,
        INVALIDATOR_RULES_PATH: options.rulesPath,
        INVALIDATOR_SHUTDOWN_GRACE_MS: '10000',
        ...options.env,
      },
    });
    return new ServiceProcess(service, options);
  }

  /** When /health/ready first answered 200 (consumer group joined, Redis reachable). */
  get readyAt(): number {
    return this.service.readyAt;
  }

  /** Throws when the service is gone (crashed, or killed from outside): waiting on it is pointless. */
  assertAlive(): void {
    const exit = this.service.exitStatus;
    if (exit !== null) {
      throw new Error(
        `${this.options.name} (pid ${this.pid}) exited early (${exit.code ?? exit.signal ?? '?'}); see ${this.options.logPath}`,
      );
    }
  }

  get pid(): number {
    return this.service.pid ?? 0;
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

  /** One scrape of `/metrics`. */
  metrics(): Promise<PrometheusScrape> {
    return this.service.metrics();
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

  /** Sends `signal`, SIGKILL after 15 s; the exit code (null when killed). */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    clearInterval(this.rssTimer);
    this.rssTimer = undefined;
    try {
      return (await this.service.stop(15_000, signal)).code;
    } catch {
      return null; // killed after the grace period
    }
  }
}
