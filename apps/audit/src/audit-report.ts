import { cpus, release, totalmem } from 'node:os';
import type { AuditOptions } from './audit-options.js';
import type { ModeReport } from './audit-runner.js';

/** The whole audit: written as JSON (`--out`) and rendered as Markdown. */
export interface AuditReport {
  readonly name: string;
  readonly command: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly machine: { cpu: string; cpus: number; memoryGiB: number; os: string; node: string };
  readonly options: AuditOptions;
  readonly modes: ModeReport[];
  /** The replica's apply delay when loaders read it; null when they read the primary. */
  readonly replicaDelayMs: number | null;
  /** Undo steps that failed (should be empty). */
  readonly cleanupFailures: string[];
}

export function machine(): AuditReport['machine'] {
  return {
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    cpus: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    os: `${process.platform} ${release()}`,
    node: process.version,
  };
}

const int = (n: number): string => Math.round(n).toLocaleString('en-US');
const ms = (seconds: number | null): string =>
  seconds === null ? 'n/a' : `${Math.round(seconds * 1000)} ms`;

type Row = [string, (m: ModeReport) => string];

const MODE_TITLES: Readonly<Record<ModeReport['mode'], string>> = {
  naive: 'naive cache-aside',
  lease: 'leases only',
  versioned: 'leases + versions',
};

const ROWS: Row[] = [
  ['duration', (m) => `${m.workload.seconds.toFixed(1)} s`],
  ['reads', (m) => int(m.workload.reads)],
  [
    '… product pages / category lists',
    (m) => `${int(m.workload.productReads)} / ${int(m.workload.listReads)}`,
  ],
  ['reads per second', (m) => int(m.workload.reads / m.workload.seconds)],
  ['writes', (m) => int(m.workload.writes)],
  [
    '… price / name / category moves',
    (m) => {
      const w = m.workload.writesByKind;
      return `${int(w.price)} / ${int(w.name)} / ${int(w.move)}`;
    },
  ],
  ['read errors / write errors', (m) => `${m.workload.readErrors} / ${m.workload.writeErrors}`],
  ['cache hits', (m) => int(m.cache.hit ?? 0)],
  ['cache misses', (m) => int(m.cache.miss ?? 0)],
  ['lease waits / lease timeouts', (m) => leaseOnly(m, 'lease-wait', 'lease-timeout')],
  ['fallbacks (Redis slow or failing)', (m) => int(m.cache.fallback ?? 0)],
  [
    'fills stored / fills voided by an invalidation',
    (m) => `${int(m.cache.fill ?? 0)} / ${rejected(m)}`,
  ],
  ['fills refused by version (marker)', (m) => refused(m)],
  ['entries compared at the end', (m) => int(m.stale.checked)],
  ['**stale entries**', (m) => `**${int(m.stale.stale)}**`],
  ['checker: inconsistent checks per window', (m) => perWindow(m, 'inconsistent')],
  ['checker: absent / consistent / unknown checks', (m) => decided(m)],
  ['checker: distinct keys reported inconsistent', (m) => int(m.checker.inconsistentKeys)],
  ['**stale entries the checker reported (recall)**', (m) => recall(m)],
  ['invalidated changes (lag observations)', (m) => int(m.lag.observations)],
  [
    'commit-to-invalidation lag p50 / p90 / p99',
    (m) => `${ms(m.lag.p50)} / ${ms(m.lag.p90)} / ${ms(m.lag.p99)}`,
  ],
  ['lag max (bucket bound)', (m) => `≤ ${ms(m.lag.maxAtMost)}`],
  ['dead letters', (m) => int(m.deadLetters)],
  ['catch-up after the last write', (m) => `${m.catchUpSeconds.toFixed(1)} s`],
];

function leaseOnly(m: ModeReport, wait: 'lease-wait', timeout: 'lease-timeout'): string {
  if (m.mode === 'naive') return 'n/a (no leases)';
  return `${int(m.cache[wait] ?? 0)} / ${int(m.cache[timeout] ?? 0)}`;
}

function refused(m: ModeReport): string {
  if (m.mode === 'naive') return 'n/a';
  return m.markers ? int(m.cache['fill-refused'] ?? 0) : 'n/a (no markers)';
}

const windowName = (windowMs: number): string =>
  windowMs % 1000 === 0 ? `${windowMs / 1000} s` : `${windowMs} ms`;

function perWindow(m: ModeReport, result: string): string {
  return m.checker.windows
    .map((w) => `${int(w.counts[result] ?? 0)} (${windowName(w.windowMs)})`)
    .join(', ');
}

function decided(m: ModeReport): string {
  const sum = (result: string): number =>
    m.checker.windows.reduce((total, w) => total + (w.counts[result] ?? 0), 0);
  return `${int(sum('absent'))} / ${int(sum('consistent'))} / ${int(sum('unknown'))}`;
}

function recall(m: ModeReport): string {
  const { recall: share, staleReported } = m.checker;
  if (share === null) return '**n/a (none stale)**';
  return `**${int(staleReported)} of ${int(m.stale.stale)} (${(share * 100).toFixed(1)} %)**`;
}

function rejected(m: ModeReport): string {
  return m.mode === 'naive' ? 'n/a' : int(m.cache['fill-rejected'] ?? 0);
}

/** The report as Markdown: one column per mode, then stale examples. */
export function renderMarkdown(report: AuditReport): string {
  const { options: o, machine: hw } = report;
  const lines = [
    `## Stale-data audit ${report.name}`,
    '',
    `\`${report.command}\``,
    '',
    `${o.readers} readers, ${o.writers} writers (≤ ${o.writesPerSecond || '∞'} writes/s), ` +
      `${o.products} products in ${o.categories} categories, ` +
      (o.slowLoadMs > 0 && o.slowLoadPercent > 0
        ? `${o.slowLoadPercent} % of loads slowed by up to ${o.slowLoadMs} ms, `
        : 'no slowed loads, ') +
      `TTL ${o.ttlSeconds} s. ` +
      `Machine: ${hw.cpus} × ${hw.cpu}, ${hw.memoryGiB} GiB, ${hw.os}, Node ${hw.node}.`,
    '',
    report.replicaDelayMs === null
      ? 'Loaders read the primary.'
      : `Loaders read the lagging replica (recovery_min_apply_delay ${report.replicaDelayMs} ms); ` +
        'the stale check reads the primary.',
    '',
    `| | ${report.modes.map((m) => MODE_TITLES[m.mode]).join(' | ')} |`,
    `| --- | ${report.modes.map(() => '---:').join(' | ')} |`,
    ...ROWS.map(([label, cell]) => `| ${label} | ${report.modes.map(cell).join(' | ')} |`),
  ];
  for (const mode of report.modes) {
    if (!mode.workload.targetsMet) {
      lines.push('', `${mode.mode}: the minimum reads/writes were NOT reached (--max-seconds).`);
    }
    if (mode.stale.unexpected > 0) {
      lines.push('', `${mode.mode}: ${mode.stale.unexpected} keys of unknown shape were skipped.`);
    }
    if (mode.checker.missed.length > 0) {
      lines.push(
        '',
        `${mode.mode}: stale but not reported by the checker: ${mode.checker.missed.join(', ')}`,
      );
    }
    if (mode.stale.examples.length === 0) continue;
    lines.push(
      '',
      `Stale entries left by the ${mode.mode} client (first ${mode.stale.examples.length}):`,
    );
    lines.push('');
    for (const example of mode.stale.examples) {
      lines.push(`- \`${example.key}\` differs in ${example.differs.join(', ')}`);
      lines.push(`  - cached: \`${example.cached}\``, `  - now: \`${example.current}\``);
    }
  }
  if (report.cleanupFailures.length > 0) {
    lines.push('', 'Cleanup failures:', ...report.cleanupFailures.map((f) => `- ${f}`));
  }
  return `${lines.join('\n')}\n`;
}
