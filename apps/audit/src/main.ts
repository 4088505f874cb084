import { writeFile } from 'node:fs/promises';
import { relative } from 'node:path';
import { describeError } from '#errors';
import { AbortedError, CleanupStack, repoRoot } from '#local-pipeline';
import {
  parseAuditOptions,
  USAGE,
  UsageError,
  type AuditMode,
  type AuditOptions,
} from './audit-options.js';
import { createAuditPipeline } from './audit-pipeline.js';
import { machine, renderMarkdown, type AuditReport } from './audit-report.js';
import { runMode, type ModeReport } from './audit-runner.js';

function log(message: string): void {
  process.stderr.write(`[audit] ${message}\n`);
}

async function audit(options: AuditOptions, root: string, signal: AbortSignal): Promise<number> {
  const cleanup = new CleanupStack();
  const startedAt = new Date().toISOString();
  const modes: ModeReport[] = [];
  let name = '';
  let replicaDelayMs: number | null = null;
  try {
    log('creating schema, topics, connector' + (options.replica ? ' and the replica pool' : ''));
    const pipeline = await createAuditPipeline(
      {
        products: options.products,
        categories: options.categories,
        poolSize: Math.min(options.readers, 16) + options.writers + 2,
      },
      { replica: options.replica, checkWindowsMs: options.checkWindowsMs },
      cleanup,
      signal,
    );
    name = pipeline.catalog.name;
    replicaDelayMs = pipeline.replicaDelayMs;
    for (const mode of options.modes) {
      log(`${name}: ${mode} mode: service, catch-up, then readers and writers`);
      const report = await runMode(pipeline, mode, options, signal);
      log(
        `${name}: ${mode}: ${report.workload.reads} reads, ${report.workload.writes} writes, ` +
          `${report.stale.stale} stale of ${report.stale.checked} entries, ` +
          `${report.checker.staleReported} of them reported by the checker`,
      );
      modes.push(report);
    }
  } finally {
    log('cleaning up');
    const failures = await cleanup.runAll();
    for (const failure of failures) log(`cleanup failed: ${failure}`);
    if (modes.length === options.modes.length) {
      await report(options, root, {
        name,
        startedAt,
        modes,
        replicaDelayMs,
        cleanupFailures: failures,
      });
    }
  }
  return modes.every(
    (m) => m.workload.targetsMet && (!mustBeFresh(m.mode, options) || m.stale.stale === 0),
  )
    ? 0
    : 1;
}

/**
 * The modes whose guarantee the exit status checks: leases with versions always; leases alone
 * only when loaders read the primary (a lagging replica defeats them, that is the point).
 */
function mustBeFresh(mode: AuditMode, options: AuditOptions): boolean {
  return mode === 'versioned' || (mode === 'lease' && !options.replica);
}

async function report(
  options: AuditOptions,
  root: string,
  parts: Pick<AuditReport, 'name' | 'startedAt' | 'modes' | 'replicaDelayMs' | 'cleanupFailures'>,
): Promise<void> {
  const script = relative(root, process.argv[1] ?? 'dist/apps/audit/src/main.js');
  const full: AuditReport = {
    ...parts,
    command: ['node', script, ...process.argv.slice(2)].join(' '),
    finishedAt: new Date().toISOString(),
    machine: machine(),
    options,
  };
  const markdown = renderMarkdown(full);
  process.stdout.write(markdown);
  if (options.out !== undefined) {
    await writeFile(options.out, `${JSON.stringify(full, null, 2)}\n`);
    const mdPath = options.out.replace(/\.json$/, '') + '.md';
    await writeFile(mdPath, markdown);
    log(`report written to ${options.out} and ${mdPath}`);
  }
}

async function main(): Promise<void> {
  let options: AuditOptions;
  try {
    options = parseAuditOptions(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`${error.message}\n${USAGE}\n`);
    process.exit(2);
  }
  const controller = new AbortController();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      // First signal: stop the workload and clean up; a second one leaves at once.
      if (controller.signal.aborted) process.exit(130);
      log(`${signal}: stopping, then cleaning up (again to quit at once)`);
      controller.abort();
    });
  }
  try {
    process.exitCode = await audit(options, repoRoot(), controller.signal);
  } catch (error) {
    if (error instanceof AbortedError) {
      process.exitCode = 130;
      return;
    }
    log(`failed: ${JSON.stringify(describeError(error))}`);
    process.exitCode = 1;
  }
}

await main();
// Every client is closed by now; if a library still holds the loop open, do not hang on it.
setTimeout(() => process.exit(), 5_000).unref();
