import { cpus, release, totalmem } from 'node:os';
import type { AuditOptions } from './audit.options.js';
import type { ModeReport } from './audit.runner.js';

/** The whole audit: written as JSON (`--out`) and rendered as Markdown. */
export interface AuditReport {
  readonly name: string;
  readonly command: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly machine: { cpu: string; cpus: number; memoryGiB: number; os: string; node: string };
  readonly options: AuditOptions;
  readonly modes: ModeReport[];
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
  ['entries compared at the end', (m) => int(m.stale.checked)],
  ['**stale entries**', (m) => `**${int(m.stale.stale)}**`],
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
    `| | ${report.modes.map((m) => `${m.mode} cache-aside`).join(' | ')} |`,
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
