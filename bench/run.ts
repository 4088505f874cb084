// `npm run bench`: throughput, latency, Redis impact and memory of the invalidator against the
// naive approach and the ceilings, on the real local stack, in one run. See docs/benchmarks.md.
//   npm run bench -- [--smoke] [--profile] [--out DIR] [--no-docs] [--only SECTION,...]
// Sections: rules, throughput, latency, pipeline, impact, namespace, consistency, backlog, keyspace.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, relative } from 'node:path';
import { format, resolveConfig } from 'prettier';
import { repoRoot } from '#local-pipeline';
import { ensureStack, killAllChildren, machine, run } from './lib/env.js';
import { defaultWorkload, type Workload } from './lib/events.js';
import { deleteGroups, deleteTopics, kafka } from './lib/kafka.js';
import { DedicatedRedis } from './lib/redis-server.js';
import { renderReport, targetsOf, type BenchResult } from './lib/report.js';
import { round } from './lib/stats.js';
import { barChart, cdfPoints, lineChart } from './lib/svg.js';
import { backlog } from './sections/backlog.js';
import { consistencyCost } from './sections/consistency-cost.js';
import { BLOCKING_PATTERN_COMMIT, keyspace } from './sections/keyspace.js';
import { latency } from './sections/latency.js';
import { pipeline } from './sections/pipeline.js';
import { namespaceCost } from './sections/namespace-cost.js';
import { redisImpact } from './sections/redis-impact.js';
import { rulesEval } from './sections/rules-eval.js';
import { throughput } from './sections/throughput.js';

interface Sizes {
  events: number;
  workload: Workload;
  naiveTimeLimitMs: number;
  redisBenchRequests: number;
  latencyRates: number[];
  latencySeconds: number;
  /** The first rate also gets the burst and the 1 s / 150 ms targets. */
  pipelineRates: number[];
  pipelineSeconds: number;
  /** Unmeasured updates at the same rate before each pipeline and keyspace run. */
  pipelineWarmupSeconds: number;
  burstRows: number;
  impactTotalKeys: number;
  impactTargetKeys: number;
  namespaceSeconds: number;
  namespaceFamilies: number[];
  rulesEvalSeconds: number;
  consistencyEvents: number;
  backlogEvents: number;
  keyspaceRate: number;
  keyspaceSeconds: number;
  keyspaces: number[];
  /** The keyspace of the pre-issue-10 (blocking pattern) row; null: no such row. */
  keyspaceBlockingPatternKeys: number | null;
  keyspaceDrainMs: number;
  timeoutMs: number;
}

const FULL: Sizes = {
  events: 200_000,
  workload: defaultWorkload,
  naiveTimeLimitMs: 120_000,
  redisBenchRequests: 1_000_000,
  latencyRates: [1000, 5000],
  latencySeconds: 30,
  pipelineRates: [1000, 5000],
  pipelineSeconds: 30,
  pipelineWarmupSeconds: 10,
  burstRows: 10_000,
  impactTotalKeys: 1_000_000,
  impactTargetKeys: 100_000,
  namespaceSeconds: 5,
  namespaceFamilies: [1_000, 1_000_000],
  rulesEvalSeconds: 2,
  consistencyEvents: 100_000,
  backlogEvents: 1_000_000,
  keyspaceRate: 1000,
  keyspaceSeconds: 60,
  keyspaces: [1_000_000, 10_000_000],
  keyspaceBlockingPatternKeys: 1_000_000,
  keyspaceDrainMs: 60_000,
  timeoutMs: 600_000,
};

const SMOKE: Sizes = {
  events: 2_000,
  workload: {
    products: 1_000,
    categories: 20,
    brands: 5,
    hotShare: 0.2,
    hotProducts: 50,
    moveShare: 0.1,
  },
  naiveTimeLimitMs: 30_000,
  redisBenchRequests: 20_000,
  latencyRates: [1000, 5000],
  latencySeconds: 1,
  pipelineRates: [1000],
  pipelineSeconds: 2,
  pipelineWarmupSeconds: 1,
  burstRows: 500,
  impactTotalKeys: 20_000,
  impactTargetKeys: 1_000,
  namespaceSeconds: 0.5,
  namespaceFamilies: [100, 10_000],
  rulesEvalSeconds: 0.3,
  consistencyEvents: 2_000,
  backlogEvents: 3_000,
  keyspaceRate: 1000,
  keyspaceSeconds: 1,
  keyspaces: [100_000],
  keyspaceBlockingPatternKeys: null,
  keyspaceDrainMs: 30_000,
  timeoutMs: 60_000,
};

const SECTIONS = [
  'rules',
  'throughput',
  'latency',
  'pipeline',
  'impact',
  'namespace',
  'consistency',
  'backlog',
  'keyspace',
] as const;
type Section = (typeof SECTIONS)[number];

interface Args {
  smoke: boolean;
  profile: boolean;
  docs: boolean;
  keep: boolean;
  out: string | undefined;
  only: Set<Section>;
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = {
    smoke: false,
    profile: false,
    docs: true,
    keep: false,
    out: undefined,
    only: new Set(SECTIONS),
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--smoke') args.smoke = true;
    else if (arg === '--profile') args.profile = true;
    else if (arg === '--no-docs') args.docs = false;
    else if (arg === '--keep') args.keep = true;
    else if (arg === '--out') args.out = argv[++i];
    else if (arg === '--only') {
      const names = (argv[++i] ?? '').split(',');
      const unknown = names.filter((n) => !SECTIONS.some((s) => s === n));
      if (unknown.length > 0) throw new Error(`--only: unknown section(s) ${unknown.join(', ')}`);
      args.only = new Set(SECTIONS.filter((s) => names.includes(s)));
    } else throw new Error(`unknown argument ${String(arg)}`);
  }
  return args;
}

const log = (line: string) => {
  process.stdout.write(`${line}\n`);
};

async function ensureRedisTools(): Promise<void> {
  try {
    await run('redis-benchmark', ['--version'], { timeoutMs: 10_000 });
  } catch {
    log('redis-benchmark missing: apt-get install -y redis-tools');
    await run('apt-get', ['install', '-y', 'redis-tools'], { timeoutMs: 300_000, inherit: true });
  }
}

function writeCharts(dir: string, result: BenchResult): void {
  const t = result.throughput;
  if (t !== null) {
    writeFileSync(
      join(dir, 'throughput.svg'),
      barChart('Throughput, events/s (same topic, same run)', 'events/s', [
        { label: 'invalidator', value: t.service.eventsPerSecond },
        { label: 'naive (eachMessage, DEL per key)', value: t.naive.eventsPerSecond },
        { label: 'ceiling (kafkajs, no work)', value: t.ceiling.eventsPerSecond },
        { label: 'floor (JSON.parse + UNLINK, no guarantees)', value: t.floor.eventsPerSecond },
        { label: 'keys-only floor', value: t.keysFloor.eventsPerSecond },
      ]),
    );
    writeFileSync(
      join(dir, 'memory.svg'),
      lineChart('Service RSS during the throughput run', 'seconds since start', 'RSS MiB', [
        { name: 'RSS', points: t.service.rss.map(([ms, mib]) => [ms / 1000, mib] as const) },
      ]),
    );
  }
  const series = [
    ...(result.latency ?? []).map((l) => ({
      name: `append→ack ${l.offeredPerSecond}/s`,
      points: cdfPoints(l.cdf),
    })),
    ...(result.pipeline === null
      ? []
      : [
          {
            name: `commit→ack ${result.pipeline.offeredPerSecond}/s`,
            points: cdfPoints(result.pipeline.cdf),
          },
        ]),
  ];
  if (series.length > 0) {
    writeFileSync(join(dir, 'latency.svg'), lineChart('Latency CDF', 'ms', 'percentile', series));
  }
  const impact = result.redisImpact;
  if (impact !== null) {
    writeFileSync(
      join(dir, 'redis-impact.svg'),
      barChart(
        'Worst GET latency of a concurrent reader, ms',
        'ms',
        impact.scenarios.map((s) => ({ label: s.name.replace(/ \(.*$/, ''), value: s.reader.max })),
      ),
    );
  }
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const sizes = args.smoke ? SMOKE : FULL;
  const started = new Date();
  const stamp = started.toISOString().replace(/[:.]/g, '-');
  const runId = `r${stamp.slice(0, 19).replace(/[^0-9]/g, '')}${args.smoke ? 's' : ''}`;
  const outDir =
    args.out ?? join(repoRoot(), 'bench/results', `${stamp}${args.smoke ? '-smoke' : ''}`);
  mkdirSync(outDir, { recursive: true });
  const command = `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;
  log(`bench ${args.smoke ? 'smoke' : 'full'} run ${runId} -> ${outDir}`);
  const load = loadavg()
    .map((l) => round(l, 2))
    .join(' ');
  await ensureStack(log);
  await ensureRedisTools();
  const commit = (
    await run('git', ['rev-parse', '--short', 'HEAD'], { timeoutMs: 10_000 }).catch(() => '?')
  ).trim();

  const result: BenchResult = {
    mode: args.smoke ? 'smoke' : 'full',
    startedAt: started.toISOString(),
    durationSeconds: 0,
    command,
    commit,
    machine: { ...machine(), load },
    rulesEval: null,
    throughput: null,
    latency: null,
    pipeline: null,
    redisImpact: null,
    namespaceCost: null,
    consistencyCost: null,
    backlog: null,
    keyspace: null,
    targets: [],
    failures: [],
  };
  const groups: string[] = [];
  const topics: string[] = [];
  const kafkaClient = kafka(`bench-${runId}`);
  const admin = kafkaClient.admin();
  await admin.connect();
  let redis: DedicatedRedis | undefined;
  const section = async (name: Section, body: () => Promise<void>) => {
    if (!args.only.has(name)) return;
    log(`[${name}]`);
    const t0 = Date.now();
    try {
      await body();
      log(`[${name}] done in ${round((Date.now() - t0) / 1000, 1)} s`);
    } catch (error) {
      const message =
        error instanceof Error
          ? `${error.message}${error.cause instanceof Error ? ` (${error.cause.message})` : ''}`
          : String(error);
      result.failures.push(`${name}: ${message}`);
      log(`[${name}] FAILED: ${error instanceof Error ? (error.stack ?? message) : message}`);
    }
  };
  try {
    await section('rules', () => {
      result.rulesEval = rulesEval(sizes.rulesEvalSeconds);
      log(
        `  evaluate ${result.rulesEval.evaluatePerSecond}/s, decode+evaluate ${result.rulesEval.decodeEvaluatePerSecond}/s`,
      );
      return Promise.resolve();
    });
    await section('throughput', async () => {
      result.throughput = await throughput(kafkaClient, admin, {
        runId,
        outDir,
        events: sizes.events,
        workload: sizes.workload,
        naiveTimeLimitMs: sizes.naiveTimeLimitMs,
        redisBenchRequests: sizes.redisBenchRequests,
        timeoutMs: sizes.timeoutMs,
        profile: args.profile,
        log,
        groups,
        topics,
      });
    });
    const dedicated = async () => (redis ??= await DedicatedRedis.start());
    await section('latency', async () => {
      result.latency = await latency(kafkaClient, admin, {
        runId,
        outDir,
        rates: sizes.latencyRates,
        seconds: sizes.latencySeconds,
        redis: await dedicated(),
        timeoutMs: sizes.timeoutMs / 5,
        log,
        groups,
        topics,
      });
    });
    await section('pipeline', async () => {
      result.pipeline = await pipeline(kafkaClient, admin, {
        runId,
        outDir,
        rates: sizes.pipelineRates,
        seconds: sizes.pipelineSeconds,
        warmupSeconds: sizes.pipelineWarmupSeconds,
        burstRows: sizes.burstRows,
        redis: await dedicated(),
        timeoutMs: Math.min(sizes.timeoutMs, 180_000),
        log,
        groups,
        topics,
      });
    });
    await section('impact', async () => {
      result.redisImpact = await redisImpact(await dedicated(), {
        totalKeys: sizes.impactTotalKeys,
        targetKeys: sizes.impactTargetKeys,
        log,
      });
    });
    await section('namespace', async () => {
      result.namespaceCost = await namespaceCost(await dedicated(), {
        seconds: sizes.namespaceSeconds,
        familySizes: sizes.namespaceFamilies,
        log,
      });
    });
    await section('consistency', async () => {
      result.consistencyCost = await consistencyCost(kafkaClient, admin, {
        runId,
        outDir,
        events: sizes.consistencyEvents,
        workload: sizes.workload,
        timeoutMs: sizes.timeoutMs,
        log,
        groups,
        topics,
      });
    });
    await section('backlog', async () => {
      result.backlog = await backlog(kafkaClient, admin, {
        runId,
        outDir,
        events: sizes.backlogEvents,
        workload: sizes.workload,
        timeoutMs: sizes.timeoutMs,
        log,
        groups,
        topics,
      });
    });
    await section('keyspace', async () => {
      const blockingKeys = sizes.keyspaceBlockingPatternKeys;
      result.keyspace = await keyspace(kafkaClient, admin, {
        runId,
        outDir,
        rate: sizes.keyspaceRate,
        seconds: sizes.keyspaceSeconds,
        warmupSeconds: sizes.pipelineWarmupSeconds,
        keyspaces: sizes.keyspaces,
        blockingPattern:
          blockingKeys === null ? null : { commit: BLOCKING_PATTERN_COMMIT, keys: blockingKeys },
        timeoutMs: Math.min(sizes.timeoutMs, 180_000),
        drainTimeoutMs: sizes.keyspaceDrainMs,
        log,
        groups,
        topics,
      });
    });
  } finally {
    if (!args.keep) {
      await deleteGroups(admin, groups);
      await deleteTopics(admin, topics);
    }
    await admin.disconnect();
    await redis?.stop();
  }
  result.durationSeconds = (Date.now() - started.getTime()) / 1000;
  result.targets = targetsOf(result);
  writeFileSync(join(outDir, 'summary.json'), `${JSON.stringify(result, null, 2)}\n`);
  writeCharts(outDir, result);
  const shownDir = relative(repoRoot(), outDir).startsWith('..')
    ? outDir
    : relative(repoRoot(), outDir);
  writeFileSync(join(outDir, 'report.md'), renderReport(result, true, shownDir));
  if (
    !args.smoke &&
    args.docs &&
    result.failures.length === 0 &&
    args.only.size === SECTIONS.length
  ) {
    const docs = join(repoRoot(), 'docs/benchmarks.md');
    // Formatted like the rest of the repository, so a full run leaves `npm run check` clean.
    const page = docsPage(renderReport(result, false, shownDir), readIfExists(docs));
    writeFileSync(docs, await format(page, { ...(await resolveConfig(docs)), filepath: docs }));
    log('docs/benchmarks.md updated');
  }
  for (const target of result.targets)
    log(`${target.met ? 'met   ' : 'MISSED'} ${target.target}: ${target.measured}`);
  log(`report: ${join(outDir, 'report.md')}`);
  return result.failures.length === 0 ? 0 : 1;
}

const ANALYSIS_MARKER = '<!-- analysis: kept across runs -->';

function readIfExists(path: string): string {
  return existsSync(path) ? readFileSync(path, 'utf8') : '';
}

/** The report with an intro; the hand-written analysis after the marker survives a new run. */
function docsPage(report: string, previous: string): string {
  const at = previous.indexOf(ANALYSIS_MARKER);
  const analysis = at < 0 ? '' : `\n${previous.slice(at)}`;
  const intro = `<!-- Written by \`npm run bench\` (bench/run.ts) from its latest full run; edit the harness, not this file. -->

How to reproduce: start the local stack (\`npm run stack -- up\`, or let the harness do it), then
\`npm run bench\` (about ten minutes; add \`-- --profile\` for a CPU profile of the service, \`-- --smoke\`
for the two-minute variant CI runs in \`test/e2e/bench-smoke.e2e.spec.ts\`). Each run writes
\`report.md\`, \`summary.json\`, SVG charts and the service logs to \`bench/results/<timestamp>/\`
(not committed); a full run also rewrites this page.

`;
  return `${report.replace(/^(# .*\n)/, `$1\n${intro}`)}${analysis}`;
}

const onSignal = (signal: NodeJS.Signals) => {
  killAllChildren();
  process.exit(signal === 'SIGINT' ? 130 : 143);
};
process.once('SIGINT', onSignal);
process.once('SIGTERM', onSignal);
process.on('exit', killAllChildren);

main().then(
  (code) => {
    killAllChildren();
    process.exit(code);
  },
  (error: unknown) => {
    log(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    killAllChildren();
    process.exit(1);
  },
);
