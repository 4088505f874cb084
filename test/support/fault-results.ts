import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { InvalidatorProcess } from '#local-pipeline';
import { repoPath } from '#local-pipeline';
import type { StreamOutcome } from './steady-stream.js';

/** One line of the fault matrix: printed as JSON and appended to the results file. */
export interface FaultResult {
  readonly fault: string;
  /** Keys that should be gone and are not, at the end. Must be 0. */
  readonly lost: number;
  /** From the end of the fault until every change committed before it was applied; null: never. */
  readonly recoveryMs: number | null;
  /** Longest time from a change's commit to its key gone, over the whole stream. */
  readonly maxLagMs: number;
  readonly p50LagMs: number;
  readonly changes: number;
  readonly premature: number;
  /** How the service behaved: readiness, logs, metrics. */
  readonly notes: string;
  readonly at: string;
}

/** Where `npm run faults` collects its results (`INVALIDATOR_FAULTS_RESULTS` overrides). */
export function resultsPath(): string {
  return (
    process.env.INVALIDATOR_FAULTS_RESULTS ?? repoPath('test', 'faults', 'results', 'latest.jsonl')
  );
}

/** Prints `FAULT_RESULT {json}` and appends the result to the results file. */
export async function recordFaultResult(
  fault: string,
  outcome: StreamOutcome,
  recoveryMs: number,
  notes: readonly string[],
): Promise<FaultResult> {
  const result: FaultResult = {
    fault,
    lost: outcome.lost + outcome.notUpdated,
    recoveryMs: Number.isFinite(recoveryMs) ? recoveryMs : null,
    maxLagMs: outcome.maxLagMs,
    p50LagMs: outcome.p50LagMs,
    changes: outcome.updated,
    premature: outcome.premature.length,
    notes: [
      ...(outcome.notUpdated > 0 ? [`${outcome.notUpdated} changes never committed`] : []),
      ...(outcome.updateErrors > 0 ? [`${outcome.updateErrors} UPDATEs retried`] : []),
      ...notes,
    ].join('; '),
    at: new Date().toISOString(),
  };
  const line = JSON.stringify(result);
  console.info(`FAULT_RESULT ${line}`);
  const path = resultsPath();
  await mkdir(dirname(path), { recursive: true });
  await appendFile(path, `${line}\n`);
  return result;
}

/** The latest result of each fault in the results file, as a Markdown table (also written beside it). */
export async function writeResultsTable(): Promise<string | null> {
  const path = resultsPath();
  const text = await readFile(path, 'utf8').catch(() => null);
  if (text === null) return null;
  const latest = new Map<string, FaultResult>();
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const result = JSON.parse(line) as FaultResult;
    latest.set(result.fault, result);
  }
  const seconds = (ms: number | null) => (ms === null ? 'never' : `${(ms / 1000).toFixed(1)} s`);
  const table = [
    '| Fault | Changes | Lost | Recovery | Max lag | p50 lag | How the service behaved |',
    '| ----- | ------: | ---: | -------: | ------: | ------: | ----------------------- |',
    ...[...latest.values()].map(
      (r) =>
        `| ${r.fault} | ${r.changes} | ${r.lost} | ${seconds(r.recoveryMs)} | ${seconds(r.maxLagMs)} | ${seconds(r.p50LagMs)} | ${r.notes.replaceAll('|', '\\|')} |`,
    ),
  ].join('\n');
  await writeFile(path.replace(/\.jsonl$/, '.md'), `${table}\n`);
  return table;
}

/** Readiness over time of one or more service processes, polled every 500 ms. */
export class ReadinessWatch {
  private readonly notReadySince = new Map<InvalidatorProcess, number>();
  private readonly notReadyMs = new Map<InvalidatorProcess, number>();
  private readonly checksSeen = new Set<string>();
  private running = true;
  private readonly loop: Promise<void>;

  constructor(private readonly services: () => readonly InvalidatorProcess[]) {
    this.loop = this.poll();
  }

  /** Stops polling; returns a note such as `not ready 12.5 s (redis: unreachable)`. */
  async stop(): Promise<string> {
    this.running = false;
    await this.loop;
    const now = Date.now();
    for (const [service, since] of this.notReadySince) this.addNotReady(service, now - since);
    const worst = Math.max(0, ...this.notReadyMs.values());
    if (worst === 0) return 'stayed ready';
    return `not ready up to ${(worst / 1000).toFixed(1)} s (${[...this.checksSeen].join(', ')})`;
  }

  private addNotReady(service: InvalidatorProcess, ms: number): void {
    this.notReadyMs.set(service, (this.notReadyMs.get(service) ?? 0) + ms);
  }

  private async poll(): Promise<void> {
    while (this.running) {
      await Promise.all(
        this.services()
          .filter((s) => s.alive)
          .map(async (service) => {
            const answer = await service.readiness();
            const now = Date.now();
            if (answer === null) return; // not listening: stopping, or not started yet
            const since = this.notReadySince.get(service);
            if (answer.status === 200) {
              if (since !== undefined) this.addNotReady(service, now - since);
              this.notReadySince.delete(service);
              return;
            }
            if (since === undefined) this.notReadySince.set(service, now);
            this.checksSeen.add(describeChecks(answer.body));
          }),
      );
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

function describeChecks(body: Record<string, unknown>): string {
  const checks = body.checks;
  if (checks === null || typeof checks !== 'object') return JSON.stringify(body);
  return Object.entries(checks)
    .map(([name, value]) => `${name}: ${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(' ');
}

/**
 * A short note of what the services logged at warn or above (distinct messages, most frequent
 * first) and their retry and dead-letter counters.
 */
export async function serviceNotes(services: readonly InvalidatorProcess[]): Promise<string[]> {
  const counts = new Map<string, number>();
  for (const service of services) {
    for (const line of service.logs) {
      if ((line.level ?? 0) < 40) continue;
      const msg = (line.msg ?? '').slice(0, 80);
      counts.set(msg, (counts.get(msg) ?? 0) + 1);
    }
  }
  const top = [...counts]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 3)
    .map(([msg, n]) => `${n}x "${msg}"`);
  let retries = 0;
  let deadLetters = 0;
  for (const service of services.filter((s) => s.alive)) {
    const scrape = await service.metrics().catch(() => null);
    retries += scrape?.value('invalidator_retries_total') ?? 0;
    deadLetters += scrape?.value('invalidator_dead_letters_total') ?? 0;
  }
  return [
    `warn/error logs: ${top.length === 0 ? 'none' : top.join(', ')}`,
    `retries_total ${retries}, dead_letters_total ${deadLetters}`,
  ];
}
