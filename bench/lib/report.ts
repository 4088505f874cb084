import type { LagDistribution } from '#local-pipeline';
import type { NamespaceCostResult } from '../sections/namespace-cost.js';
import { consistencyCostTable, type ConsistencyCostResult } from '../sections/consistency-cost.js';
import type { ImpactResult } from '../sections/redis-impact.js';
import type { RateLatency } from '../sections/latency.js';
import type { PipelineLatency, PipelineRun } from '../sections/pipeline.js';
import type { KeyspaceResult } from '../sections/keyspace.js';
import type { RulesEvalResult } from '../sections/rules-eval.js';
import type { BacklogResult } from '../sections/backlog.js';
import type { ConsumerRate, ThroughputResult } from '../sections/throughput.js';
import { formatInt, round } from './stats.js';

/** The issues' memory target, 256 MB, in the MiB that VmHWM is reported in. */
const RSS_LIMIT_MIB = 256e6 / 2 ** 20;

export interface Target {
  target: string;
  measured: string;
  met: boolean;
}

/** Everything one run measured; written as summary.json next to the report. */
export interface BenchResult {
  mode: 'smoke' | 'full';
  startedAt: string;
  durationSeconds: number;
  command: string;
  commit: string;
  machine: { nproc: number; memoryGiB: number; cpu: string; node: string; load: string };
  rulesEval: RulesEvalResult | null;
  throughput: ThroughputResult | null;
  latency: RateLatency[] | null;
  pipeline: PipelineLatency | null;
  redisImpact: ImpactResult | null;
  namespaceCost: NamespaceCostResult | null;
  consistencyCost: ConsistencyCostResult | null;
  backlog: BacklogResult | null;
  keyspace: KeyspaceResult | null;
  targets: Target[];
  failures: string[];
}

const pct = (x: number) => `${round(x * 100, 1)}%`;

export function targetsOf(result: BenchResult): Target[] {
  const targets: Target[] = [];
  const t = result.throughput;
  if (t !== null) {
    targets.push({
      target: 'throughput ≥ 10 × the naive baseline',
      measured: `${round(t.ratios.serviceOverNaive, 1)} × (${formatInt(t.service.eventsPerSecond)} vs ${formatInt(t.naive.eventsPerSecond)} events/s)`,
      met: t.ratios.serviceOverNaive >= 10,
    });
    targets.push({
      target: 'throughput ≥ 30% of the no-op kafkajs ceiling',
      measured: `${pct(t.ratios.serviceOverCeiling)} (${formatInt(t.service.eventsPerSecond)} vs ${formatInt(t.ceiling.eventsPerSecond)} events/s); floors: ${pct(t.ratios.floorOverCeiling)}, keys only ${pct(t.ratios.keysFloorOverCeiling)}`,
      met: t.ratios.serviceOverCeiling >= 0.3,
    });
    targets.push({
      target: 'throughput ≥ 50% of the decode-inclusive (JSON.parse) ceiling',
      measured: `${pct(t.ratios.serviceOverDecodeCeiling)} (${formatInt(t.service.eventsPerSecond)} vs ${formatInt(t.decodeCeiling.eventsPerSecond)} events/s); CPU ${t.service.cpuUsPerEvent} vs ${t.decodeCeiling.cpuUsPerEvent} µs/event; floors: ${pct(t.ratios.floorOverDecodeCeiling)}, keys only ${pct(t.ratios.keysFloorOverDecodeCeiling)}`,
      met: t.ratios.serviceOverDecodeCeiling >= 0.5,
    });
  }
  const b = result.backlog;
  if (b !== null) {
    targets.push({
      target: `a ${formatInt(b.events)}-event backlog drains with peak RSS ≤ 256 MB`,
      measured: `${b.peakRssMiB} MiB, drained in ${b.drainSeconds} s (${formatInt(b.eventsPerSecond)} events/s)`,
      met: b.peakRssMiB <= RSS_LIMIT_MIB,
    });
  }
  const at5000 = result.latency?.find((l) => l.offeredPerSecond === 5000);
  if (at5000 !== undefined) {
    targets.push({
      target: 'p99 Kafka append → Redis ack ≤ 50 ms at 5,000 events/s',
      measured: `p99 ${at5000.appendToAck.p99} ms (max ${at5000.appendToAck.max} ms, ${formatInt(at5000.producedPerSecond)}/s produced)`,
      met: at5000.appendToAck.p99 <= 50 && at5000.observed === at5000.events,
    });
  }
  const p = result.pipeline;
  if (p !== null) {
    targets.push({
      target: 'p99 Postgres commit → Redis ack ≤ 1 s at 1,000 updates/s',
      measured: `p99 ${p.commitToAck.p99} ms (max ${p.commitToAck.max} ms, ${formatInt(p.committedPerSecond)} updates/s committed)`,
      met: p.commitToAck.p99 <= 1000 && p.observed === p.updates,
    });
    if (p.offeredPerSecond === 1000) {
      targets.push({
        target: 'p99 Postgres commit → Redis ack ≤ 150 ms at 1,000 updates/s (issue 10)',
        measured: `p99 ${p.commitToAck.p99} ms (commit → Kafka p99 ${p.commitToKafka.p99} ms, Kafka → Redis p99 ${p.kafkaToAck.p99} ms)`,
        met: p.commitToAck.p99 <= 150 && p.observed === p.updates,
      });
    }
  }
  targets.push(...keyspaceTargets(result.keyspace));
  const impact = result.redisImpact;
  const pattern = impact?.scenarios.find((s) => s.name.startsWith('pattern (service'));
  if (pattern !== undefined) {
    targets.push({
      target: 'invalidation by pattern never makes a concurrent GET wait > 5 ms',
      measured: `worst GET ${pattern.reader.max} ms, p99 ${pattern.reader.p99} ms (longest Redis command ${pattern.longestCommandMs} ms)`,
      met: pattern.reader.max <= 5,
    });
    const idle = impact?.scenarios.find((s) => s.name.startsWith('idle'));
    targets.push({
      target:
        '… and Redis itself never runs a command > 5 ms during the pattern sweep (server side)',
      measured: `slowest SCAN/UNLINK ${pattern.slowestSweepCommandMs > 0 ? `${pattern.slowestSweepCommandMs} ms` : '< 1 ms'} (slowest logged by name: ${pattern.slowestByCommand === '' ? 'none ≥ 1 ms' : pattern.slowestByCommand}); ${pattern.reader.over5ms} of ${formatInt(pattern.reader.count)} GETs > 5 ms (idle reader alone: ${idle?.reader.over5ms ?? '?'} of ${formatInt(idle?.reader.count ?? 0)}, worst ${idle?.reader.max ?? '?'} ms)`,
      met: pattern.slowestSweepCommandMs <= 5,
    });
  }
  const keys = impact?.scenarios.find((s) => s.name.startsWith('KEYS'));
  if (keys !== undefined) {
    targets.push({
      target: 'KEYS, for comparison, blocks every client for the whole scan',
      measured: `KEYS ran ${keys.longestCommandMs} ms in Redis; worst GET ${keys.reader.max} ms`,
      met: keys.longestCommandMs > 0 && keys.reader.max >= 0.5 * keys.longestCommandMs,
    });
  }
  if (t !== null) {
    targets.push({
      target: 'peak RSS of the service ≤ 256 MB',
      measured: `${round(t.service.peakRssMiB, 1)} MiB (VmHWM; the limit is ${round(RSS_LIMIT_MIB, 1)} MiB)`,
      met: t.service.peakRssMiB <= RSS_LIMIT_MIB,
    });
  }
  return targets;
}

/** A consumer's row of the throughput table: label, events, seconds, rates, CPU, note. */
const rateRow = (label: string, rate: ConsumerRate, note: string): (string | number)[] => [
  label,
  formatInt(rate.events),
  rate.seconds,
  formatInt(rate.eventsPerSecond),
  formatInt(rate.keysPerSecond),
  String(rate.cpuUsPerEvent),
  note,
];

const table = (header: readonly string[], rows: readonly (readonly (string | number)[])[]) =>
  [
    `| ${header.join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');

/** The Markdown report; `charts` false for the docs copy (charts stay under bench/results/). */
export function renderReport(result: BenchResult, charts: boolean, resultsDir: string): string {
  const out: string[] = [];
  const img = (file: string, alt: string) => (charts ? [`![${alt}](${file})`, ''] : []);
  const m = result.machine;
  out.push(
    `# Invalidator benchmark (${result.mode})`,
    '',
    `Run ${result.startedAt}, ${round(result.durationSeconds, 0)} s, commit \`${result.commit}\`.`,
    '',
    '## Machine',
    '',
    table(
      ['nproc', 'memory', 'CPU', 'Node.js', 'load average at start'],
      [[m.nproc, `${m.memoryGiB} GiB`, m.cpu, m.node, m.load]],
    ),
    '',
    `Command: \`${result.command}\` (results in \`${resultsDir}\`).`,
    '',
    'Shared 2-core machine: other engineers’ tests run at the same time, so absolute figures drift from run to run; the ratios compare measurements of the same run.',
    '',
    '## Targets',
    '',
    table(
      ['target', 'measured', 'result'],
      result.targets.map((t) => [t.target, t.measured, t.met ? 'met' : '**missed**']),
    ),
    '',
  );
  if (result.failures.length > 0) {
    out.push('Sections that failed:', '', ...result.failures.map((f) => `- ${f}`), '');
  }
  const r = result.rulesEval;
  out.push('## 0. Rules hot path (micro-benchmark)', '');
  if (r !== null) {
    out.push(
      'Decode + evaluate of one Debezium update on the demo rules (`rules/catalog.yaml`), in process, no I/O.',
      '',
      table(
        ['operation', 'ops/s'],
        [
          ['evaluate (decoded product.updated)', formatInt(r.evaluatePerSecond)],
          ['decode + evaluate (raw JSON message)', formatInt(r.decodeEvaluatePerSecond)],
        ],
      ),
      '',
    );
  }
  const t = result.throughput;
  out.push('## 1. Throughput', '');
  if (t !== null) {
    out.push(
      `${formatInt(t.events)} Debezium updates of \`products\` (shape of \`test/fixtures/debezium/captured-update.json\`), ${t.keysPerEvent} keys + 1 tag per event, 20% of them on 500 hot products, pre-filled in ${t.produceSeconds} s on a 3-partition topic and consumed from the beginning. Each rate runs from the consumer’s group join (the service: its readiness probe turning 200) to its last message done (the service: its last chunk acknowledged by Redis, from its log); keys/s = events/s × keys named per event (before coalescing).`,
      '',
      table(
        ['consumer', 'events', 'seconds', 'events/s', 'keys/s', 'CPU µs/event', 'note'],
        [
          rateRow(
            'invalidator (service, eachBatch, chunks of 500)',
            t.service,
            `${formatInt(t.service.distinctKeysPerSecond)} distinct keys/s unlinked after coalescing; ${t.service.chunks} chunks, chunk apply p50 ${t.service.chunkMs.p50} ms p99 ${t.service.chunkMs.p99} ms; ${t.service.deadLetters} dead letters`,
          ),
          rateRow(
            'naive (eachMessage, one awaited DEL per key)',
            t.naive,
            `${t.naive.redisCommandsPerEvent} Redis round trips per event${t.naive.capped ? '; stopped at its time limit' : ''}`,
          ),
          rateRow(
            'ceiling (kafkajs eachBatch, no decode, no delete)',
            t.ceiling,
            'keys/s: what the same events would name',
          ),
          rateRow(
            'decode ceiling (kafkajs eachBatch, JSON.parse each value)',
            t.decodeCeiling,
            'reading the events at all',
          ),
          rateRow(
            'floor (eachBatch, JSON.parse, keys + leases + tags unlinked per batch, no guarantees)',
            t.floor,
            'the least a kafkajs + ioredis invalidator does',
          ),
          rateRow(
            'keys-only floor (the same without tags)',
            t.keysFloor,
            'reading the events and unlinking their keys',
          ),
          [
            'redis-benchmark UNLINK, 1 key, -P 100 -c 2',
            '',
            '',
            '',
            formatInt(t.redisBenchmark.unlinkPerSecond),
            '',
            'Redis ceiling (absent keys)',
          ],
          [
            'redis-benchmark UNLINK, 10 keys, -P 100 -c 2',
            '',
            '',
            '',
            formatInt(t.redisBenchmark.unlink10KeysPerSecond),
            '',
            'multi-key commands, as the service sends',
          ],
        ],
      ),
      '',
      table(
        ['ratio', 'value'],
        [
          ['invalidator / naive (events/s)', `${round(t.ratios.serviceOverNaive, 2)} ×`],
          ['invalidator / ceiling (events/s)', pct(t.ratios.serviceOverCeiling)],
          ['invalidator / decode ceiling (events/s)', pct(t.ratios.serviceOverDecodeCeiling)],
          ['invalidator / floor (events/s)', `${round(t.ratios.serviceOverFloor, 2)} ×`],
          ['floor / ceiling (events/s)', pct(t.ratios.floorOverCeiling)],
          ['floor / decode ceiling (events/s)', pct(t.ratios.floorOverDecodeCeiling)],
          ['keys-only floor / ceiling (events/s)', pct(t.ratios.keysFloorOverCeiling)],
          ['keys-only floor / decode ceiling (events/s)', pct(t.ratios.keysFloorOverDecodeCeiling)],
          [
            'invalidator CPU per event / decode ceiling CPU per event',
            `${round(t.ratios.serviceCpuOverDecodeCeiling, 2)} ×`,
          ],
          [
            'invalidator keys/s / redis-benchmark UNLINK keys/s',
            pct(t.ratios.serviceKeysOverRedisCeiling),
          ],
        ],
      ),
      '',
      ...img('throughput.svg', 'throughput'),
    );
    if (t.profile !== null) {
      out.push(
        '### Where the service’s CPU goes (profile pass)',
        '',
        `A second pass of the service over the same topic (its own group) with the V8 CPU profiler on from readiness to the last commit (\`${t.profile.file.split('/').at(-1) ?? ''}\`, open it in Chrome DevTools). Idle: ${pct(t.profile.idleShare)} of sampled time. Self time, as a share of busy time:`,
        '',
        table(
          ['package / lib', 'self time'],
          t.profile.byPackage.map((p) => [p.name, pct(p.share)]),
        ),
        '',
        table(
          ['function', 'self time'],
          t.profile.topFunctions.map((f) => [`\`${f.name}\``, pct(f.share)]),
        ),
        '',
      );
    }
  }
  out.push('## 2. Latency', '');
  if (result.latency !== null) {
    out.push(
      'Offered at a fixed rate by the harness (kafkajs, `acks=-1`) to topics with `message.timestamp.type=LogAppendTime`; each event names a product key that exists in a dedicated Redis, whose `del` keyevent notifications timestamp the deletion. Latency = notification time − Kafka append time (from the produce acknowledgement). “service histogram p99 ≤” is the upper bound of the bucket of the service’s own `invalidator_invalidation_lag_seconds` holding its p99 (`source.ts_ms` = produce time).',
      '',
      table(
        [
          'offered events/s',
          'produced/s',
          'events',
          'observed',
          'p50 ms',
          'p90 ms',
          'p99 ms',
          'max ms',
          'service histogram p99 ≤ ms',
        ],
        result.latency.map((l) => [
          formatInt(l.offeredPerSecond),
          formatInt(l.producedPerSecond),
          formatInt(l.events),
          formatInt(l.observed),
          l.appendToAck.p50,
          l.appendToAck.p90,
          l.appendToAck.p99,
          l.appendToAck.max,
          l.serviceLagP99BucketMs,
        ]),
      ),
      '',
      'The service’s chunks meanwhile (its `invalidated` log lines): a change waits for the chunk ahead of it, then for its own.',
      '',
      table(
        [
          'offered events/s',
          'chunks',
          'events/chunk p50 / p99 / max',
          'apply to Redis ms p50 / p99 / max',
        ],
        result.latency.map((l) => [
          formatInt(l.offeredPerSecond),
          l.chunkApplyMs.count,
          `${l.eventsPerChunk.p50} / ${l.eventsPerChunk.p99} / ${l.eventsPerChunk.max}`,
          `${l.chunkApplyMs.p50} / ${l.chunkApplyMs.p99} / ${l.chunkApplyMs.max}`,
        ]),
      ),
      '',
    );
  }
  const p = result.pipeline;
  if (p !== null) {
    out.push(
      '### Whole pipeline: PostgreSQL commit → Redis acknowledgement',
      '',
      'Real single-row `UPDATE … WHERE id = $1` transactions (autocommit, up to 64 in flight) paced at the offered rate on a copy of the demo catalog in a schema of its own, captured by a Debezium connector of its own (`snapshot.mode=no_data`), consumed by the service, after 10 s of unmeasured updates at the same rate (a new connector and service start cold; a running pipeline does not). Latency = deletion notification − the client’s COMMIT acknowledgement; the service histogram measures `source.ts_ms` (the commit time Debezium reports) → Redis ack.',
      '',
      table(
        [
          'offered updates/s',
          'committed/s',
          'updates',
          'observed',
          'p50 ms',
          'p90 ms',
          'p99 ms',
          'max ms',
          'service histogram p50 ≤ / p99 ≤ ms',
        ],
        [p, ...p.higherRates].map((run) => [
          formatInt(run.offeredPerSecond),
          formatInt(run.committedPerSecond),
          formatInt(run.updates),
          formatInt(run.observed),
          run.commitToAck.p50,
          run.commitToAck.p90,
          run.commitToAck.p99,
          run.commitToAck.max,
          `${run.serviceLagP50BucketMs} / ${run.serviceLagP99BucketMs}`,
        ]),
      ),
      '',
      'Where the time goes (the Kafka record timestamp of each row’s event, read by a side consumer, splits it):',
      '',
      table(
        ['offered updates/s', 'leg', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms'],
        [p, ...p.higherRates].flatMap((run) => legRows(run)),
      ),
      '',
      `Burst (folded in from the former \`bench/service-burst.mjs\`): one \`UPDATE … WHERE id BETWEEN\` of ${formatInt(p.burst.rows)} rows in one transaction went from COMMIT to the last row’s deletion in ${p.burst.seconds} s, **${formatInt(p.burst.eventsPerSecond)} events/s through the whole pipeline**; per row commit → ack p50 ${p.burst.commitToAck.p50} ms, p99 ${p.burst.commitToAck.p99} ms${burstMetrics(p.burst.serviceLag)}.`,
      '',
    );
  }
  if (result.latency !== null || p !== null) out.push(...img('latency.svg', 'latency CDF'));
  const impact = result.redisImpact;
  out.push('## 3. Redis impact', '');
  if (impact !== null) {
    out.push(
      `${formatInt(impact.targetKeys)} target keys among ${formatInt(impact.totalKeys)} on a dedicated redis-server; a reader in another process issues GETs on random filler keys in a tight loop during each invalidation. “Longest command” is the slowest command Redis itself logged meanwhile (SLOWLOG, ≥ 1 ms); the Lua column is Redis's own accounting of the scripts it ran (\`INFO commandstats\` after \`CONFIG RESETSTAT\`): the mean server time of one step, which a few descheduled calls barely move, unlike the SLOWLOG maximum.`,
      '',
      table(
        [
          'invalidation',
          'duration ms',
          'removed',
          'GETs',
          'GET p50 ms',
          'GET p99 ms',
          'GET max ms',
          'GETs > 5 ms',
          'longest command ms',
          'Lua calls × server µs/call',
        ],
        impact.scenarios.map((s) => [
          s.name,
          s.durationMs,
          formatInt(s.removed),
          formatInt(s.reader.count),
          s.reader.p50,
          s.reader.p99,
          s.reader.max,
          formatInt(s.reader.over5ms),
          s.longestCommandMs > 0 ? `${s.longestCommandMs} (${s.slowestByCommand})` : '< 1',
          s.scripts.calls > 0 ? `${formatInt(s.scripts.calls)} × ${s.scripts.usecPerCall}` : '–',
        ]),
      ),
      '',
      ...img('redis-impact.svg', 'Redis impact'),
    );
  }
  out.push(...namespaceSection(result.namespaceCost));
  if (result.consistencyCost !== null) {
    out.push('### Markers and the consistency checker', '');
    out.push(...consistencyCostTable(result.consistencyCost), '');
  }
  out.push('## 4. Memory', '');
  if (t !== null) {
    out.push(
      `Peak RSS (VmHWM from /proc) of the service during the throughput run: **${round(t.service.peakRssMiB, 1)} MiB**.`,
      '',
      ...img('memory.svg', 'service RSS'),
    );
  }
  const b = result.backlog;
  if (b !== null) {
    out.push(
      '## 5. Backlog drain',
      '',
      `${formatInt(b.events)} product updates already in a 3-partition topic (produced in ${b.produceSeconds} s), one instance started on them, from its readiness to its last commit. Halfway (${formatInt(b.freshChange.producedAtCommitted)} committed), one fresh change is produced and the time until its key is deleted measured: it waits behind its partition's backlog.`,
      '',
      table(
        [
          'drain seconds',
          'events/s',
          'CPU µs/event',
          'peak RSS MiB',
          'fresh change commit → delete',
        ],
        [
          [
            String(b.drainSeconds),
            formatInt(b.eventsPerSecond),
            String(b.cpuUsPerEvent),
            String(b.peakRssMiB),
            `${formatInt(b.freshChange.lagMs)} ms`,
          ],
        ],
      ),
      '',
    );
  }
  out.push(...keyspaceSection(result.keyspace));
  return `${out.join('\n')}\n`;
}

/** The two legs of one pipeline run, as rows of the "where the time goes" table. */
function legRows(run: PipelineRun): (string | number)[][] {
  const rate = formatInt(run.offeredPerSecond);
  const leg = (name: string, d: PipelineRun['commitToAck']) => [
    rate,
    name,
    d.p50,
    d.p90,
    d.p99,
    d.max,
  ];
  return [
    leg('commit → Kafka (Debezium + Kafka Connect)', run.commitToKafka),
    leg('Kafka → Redis ack (the invalidator)', run.kafkaToAck),
  ];
}

/** Issue 10: commit → delete p99 with a large keyspace within 20% of the empty Redis's, lag bounded. */
function keyspaceTargets(keyspace: KeyspaceResult | null): Target[] {
  if (keyspace === null) return [];
  return keyspace.rows
    .filter((row) => row.search === 'namespace' && row.unrelatedKeys > 0)
    .map((row) => ({
      target: `commit → delete p99 with ${formatInt(row.unrelatedKeys)} unrelated keys within 20% of an empty Redis (${formatInt(keyspace.rate)} updates/s)`,
      measured: `${row.p99OverEmpty} × (p99 ${row.run.commitToAck.p99} ms; ${formatInt(row.run.observed)} of ${formatInt(row.run.updates)} deleted; consumer lag max ${formatInt(row.run.consumerLag.maxMessages)}, at the end ${formatInt(row.run.consumerLag.endMessages)})`,
      met: row.p99OverEmpty <= 1.2 && row.run.observed === row.run.updates,
    }));
}

/** Whole-pipeline latency against the size of the keyspace, and the pre-issue-10 pattern path. */
function keyspaceSection(keyspace: KeyspaceResult | null): string[] {
  if (keyspace === null) return [];
  const deleted = (run: PipelineRun) =>
    run.observed === run.updates
      ? formatInt(run.observed)
      : `**${formatInt(run.observed)} of ${formatInt(run.updates)}**`;
  return [
    '## 6. Keyspace: cost against the number of unrelated keys',
    '',
    `The whole pipeline (as in section 2) at ${formatInt(keyspace.rate)} updates/s for ${keyspace.seconds} s, with the demo \`product-pages\` rule (keys, a tag, and the search family), on a dedicated redis-server first empty, then filled with unrelated keys (\`DEBUG POPULATE\`). The row naming a commit runs the service of the commit before issue 10, whose demo rule swept \`search:*\` on every update inside the chunk. Consumer lag: the service group's committed offsets behind Debezium's topic, sampled every second. A row whose deletions did not all arrive within the drain window gives the percentiles of those that did.`,
    '',
    table(
      [
        'Redis, service, search family',
        'committed/s',
        'deleted',
        'p50 ms',
        'p99 ms',
        'max ms',
        'p99 / empty',
        'Kafka → Redis p99 ms',
        'consumer lag max / end',
      ],
      keyspace.rows.map((row) => [
        row.name,
        formatInt(row.run.committedPerSecond),
        deleted(row.run),
        row.run.commitToAck.p50,
        row.run.commitToAck.p99,
        row.run.commitToAck.max,
        row.run.observed === row.run.updates ? `${row.p99OverEmpty} ×` : `> ${row.p99OverEmpty} ×`,
        row.run.kafkaToAck.p99,
        `${formatInt(row.run.consumerLag.maxMessages)} / ${formatInt(row.run.consumerLag.endMessages)}`,
      ]),
    ),
    '',
  ];
}

/** Cache-client reads with and without a namespace, and what one bump costs per family size. */
function namespaceSection(cost: NamespaceCostResult | null): string[] {
  if (cost === null) return [];
  return [
    '### Namespaces',
    '',
    'Cache-client hits per second on a dedicated redis-server (32 concurrent loops, same run), and the commands one namespace invalidation sent, per family size.',
    '',
    table(
      ['reads', 'hits/s', 'vs no namespace'],
      cost.reads.map((r) => [r.name, formatInt(r.readsPerSecond), `${r.ratio}×`]),
    ),
    '',
    table(
      ['family size', 'invalidation ms', 'Redis commands'],
      cost.bumps.map((b) => [formatInt(b.familySize), b.durationMs, b.commands]),
    ),
    '',
  ];
}

/** The burst as the service's own lag histogram saw it (interpolated inside buckets). */
function burstMetrics(lag: LagDistribution | null): string {
  if (lag?.p50 == null || lag.p99 == null) return '';
  const ms = (seconds: number) => Math.round(seconds * 1000);
  return `; from the service's metrics (\`invalidator_invalidation_lag_seconds\`, ${formatInt(lag.observations)} observations) p50 ${ms(lag.p50)} ms, p99 ${ms(lag.p99)} ms`;
}
