import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BenchResult } from '../../bench/lib/report.js';

// `npm run bench -- --smoke` against the real local stack, so the harness cannot rot: every
// section must run and report positive numbers. The figures themselves are not asserted (they
// belong to docs/benchmarks.md, from a full run on a quiet machine).

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

function runSmoke(outDir: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      'npm',
      ['run', '--silent', 'bench', '--', '--smoke', '--no-docs', '--out', outDir],
      { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGTERM'), 280_000);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe('npm run bench -- --smoke', () => {
  let outDir: string;
  let run: { code: number | null; output: string };
  let result: BenchResult;
  let report: string;

  beforeAll(async () => {
    outDir = await mkdtemp(join(tmpdir(), 'bench-smoke-'));
    run = await runSmoke(outDir);
    if (run.code !== 0)
      throw new Error(`bench smoke exited with ${String(run.code)}:\n${run.output}`);
    result = JSON.parse(await readFile(join(outDir, 'summary.json'), 'utf8')) as BenchResult;
    report = await readFile(join(outDir, 'report.md'), 'utf8');
  }, 300_000);

  afterAll(async () => {
    await rm(outDir, { recursive: true, force: true });
  });

  it('runs every section without failure', () => {
    expect(result.failures).toEqual([]);
    expect(result.mode).toBe('smoke');
    for (const heading of [
      '## Machine',
      '## Targets',
      '## 0. Rules hot path',
      '## 1. Throughput',
      '## 2. Latency',
      '### Whole pipeline',
      '## 3. Redis impact',
      '## 4. Memory',
      '## 5. Backlog drain',
      '## 6. Keyspace',
    ]) {
      expect(report).toContain(heading);
    }
    expect(result.targets.length).toBeGreaterThanOrEqual(9);
  });

  it('reports positive throughput for the service, the naive consumer, both ceilings and both floors', () => {
    const t = result.throughput;
    expect(t).not.toBeNull();
    if (t === null) return;
    expect(t.service.events).toBe(t.events);
    expect(t.service.deadLetters).toBe(0);
    for (const rate of [t.service, t.naive, t.ceiling, t.decodeCeiling, t.floor, t.keysFloor]) {
      expect(rate.eventsPerSecond).toBeGreaterThan(0);
      expect(rate.keysPerSecond).toBeGreaterThan(0);
      expect(rate.cpuUsPerEvent).toBeGreaterThan(0);
    }
    expect(t.redisBenchmark.unlinkPerSecond).toBeGreaterThan(0);
    expect(t.redisBenchmark.unlink10KeysPerSecond).toBeGreaterThan(0);
    expect(t.ratios.serviceOverNaive).toBeGreaterThan(0);
    expect(t.ratios.serviceOverCeiling).toBeGreaterThan(0);
    expect(t.ratios.serviceOverDecodeCeiling).toBeGreaterThan(0);
    expect(t.ratios.serviceOverFloor).toBeGreaterThan(0);
    expect(t.service.peakRssMiB).toBeGreaterThan(0);
    expect(result.rulesEval?.decodeEvaluatePerSecond).toBeGreaterThan(0);
  });

  it('drains a backlog with one instance and times a fresh change made mid-drain', () => {
    const b = result.backlog;
    expect(b?.events).toBeGreaterThan(0);
    expect(b?.eventsPerSecond).toBeGreaterThan(0);
    expect(b?.cpuUsPerEvent).toBeGreaterThan(0);
    expect(b?.peakRssMiB).toBeGreaterThan(0);
    expect(b?.freshChange.lagMs).toBeGreaterThan(0);
  });

  it('observes every invalidation at each offered rate and through the whole pipeline', () => {
    expect(result.latency?.map((l) => l.offeredPerSecond)).toEqual([1000, 5000]);
    for (const l of result.latency ?? []) {
      expect(l.observed).toBe(l.events);
      expect(l.appendToAck.p99).toBeGreaterThan(0);
      expect(l.appendToAck.max).toBeGreaterThanOrEqual(l.appendToAck.p99);
    }
    const p = result.pipeline;
    expect(p?.observed).toBe(p?.updates);
    expect(p?.commitToAck.p99).toBeGreaterThan(0);
    expect(p?.burst.rows).toBeGreaterThan(0);
    expect(p?.burst.eventsPerSecond).toBeGreaterThan(0);
  });

  it('runs the whole pipeline on an empty and on a filled Redis, every deletion observed', () => {
    const rows = result.keyspace?.rows ?? [];
    expect(rows.map((row) => row.unrelatedKeys)).toEqual([0, 100_000]);
    for (const row of rows) {
      expect(row.run.observed).toBe(row.run.updates);
      expect(row.run.commitToAck.p99).toBeGreaterThan(0);
      expect(row.run.consumerLag.samples).toBeGreaterThan(0);
    }
  });

  it('measures the Redis impact of tag, pattern and KEYS invalidation with a concurrent reader', () => {
    const impact = result.redisImpact;
    expect(impact?.scenarios.map((s) => s.name.split(' ')[0])).toEqual([
      'idle',
      'tag',
      'tag',
      'tag',
      'pattern',
      'pattern',
      'KEYS',
    ]);
    for (const scenario of impact?.scenarios ?? []) {
      expect(scenario.reader.count).toBeGreaterThan(0);
      expect(scenario.reader.max).toBeGreaterThan(0);
      if (!scenario.name.startsWith('idle')) expect(scenario.removed).toBe(impact?.targetKeys);
    }
  });

  it('measures versions, markers and the checker against an unversioned baseline, same topic', () => {
    const cost = result.consistencyCost;
    expect(report).toContain('### Markers and the consistency checker');
    expect(cost?.variants.map((v) => v.name.split(',')[0]?.split(' ')[0])).toEqual([
      'unversioned',
      'versioned',
      'versioned',
      'markers',
      'markers',
    ]);
    const [plain, unmarked, ...marked] = cost?.variants ?? [];
    expect(plain?.ratio).toBe(1);
    expect(plain?.markers).toBe(0);
    expect(unmarked?.markers).toBe(0);
    for (const variant of cost?.variants ?? []) expect(variant.eventsPerSecond).toBeGreaterThan(0);
    for (const variant of marked) expect(variant.markers).toBeGreaterThan(0);
  });
});
