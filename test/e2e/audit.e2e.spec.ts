import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { endpoints } from '#local-pipeline';
import { runAudit } from '../support/audit-run.js';

// The audit as a user runs it (the built program, as a child process) against the real stack:
// a few seconds of both modes, then its JSON report and what it left behind are checked.

interface ModeReport {
  mode: string;
  workload: { reads: number; writes: number; seconds: number; targetsMet: boolean };
  cache: Record<string, number>;
  lag: { observations: number; p50: number | null; p99: number | null; maxAtMost: number | null };
  deadLetters: number;
  stale: { checked: number; stale: number; unexpected: number; examples: unknown[] };
  checker: {
    windows: { windowMs: number; counts: Record<string, number> }[];
    staleReported: number;
  };
}
interface Report {
  name: string;
  command: string;
  machine: { cpus: number };
  modes: ModeReport[];
  cleanupFailures: string[];
}

describe('npm run audit (short run, both modes)', () => {
  let dir: string | undefined;
  let report: Report;
  let markdown: string;

  beforeAll(async () => {
    const tmp = await mkdtemp(join(tmpdir(), 'audit-e2e-'));
    dir = tmp;
    const out = join(tmp, 'audit.json');
    const args = ['--mode', 'both', '--seconds', '3', '--readers', '8', '--writers', '2'];
    const { code, stderr } = await runAudit([...args, '--products', '40', '--out', out]);
    expect(code, stderr).toBe(0);
    report = JSON.parse(await readFile(out, 'utf8')) as Report;
    markdown = await readFile(join(tmp, 'audit.md'), 'utf8');
  });

  afterAll(async () => {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('reports reads, writes, cache counts and the lag distribution of each mode', () => {
    expect(report.modes.map((m) => m.mode)).toEqual(['lease', 'naive']);
    for (const mode of report.modes) {
      expect(mode.workload.reads).toBeGreaterThan(0);
      expect(mode.workload.writes).toBeGreaterThan(0);
      expect(mode.workload.targetsMet).toBe(true);
      expect(mode.cache.hit ?? 0).toBeGreaterThan(0);
      expect(mode.cache.miss ?? 0).toBeGreaterThan(0);
      // Every write changes a watched column, so each one is an invalidated change (+ the marker).
      expect(mode.lag.observations).toBeGreaterThanOrEqual(mode.workload.writes);
      expect(mode.lag.p50).toBeGreaterThan(0);
      expect(mode.lag.p99).toBeGreaterThanOrEqual(mode.lag.p50 ?? 0);
      expect(mode.lag.maxAtMost).toBeGreaterThanOrEqual(mode.lag.p99 ?? 0);
      expect(mode.deadLetters).toBe(0);
      expect(mode.stale.unexpected).toBe(0);
      expect(mode.stale.stale).toBeGreaterThanOrEqual(0);
    }
    expect(report.command).toContain('--mode both');
    expect(report.machine.cpus).toBeGreaterThan(0);
    expect(markdown).toContain('| | leases only | naive cache-aside |');
    expect(markdown).toContain('Loaders read the primary.');
    expect(markdown).toContain('**stale entries**');
  });

  it('the lease client leaves no stale entry (the naive count is only reported)', () => {
    const lease = report.modes.find((m) => m.mode === 'lease');
    expect(lease?.stale.stale).toBe(0);
    expect(lease?.stale.examples).toEqual([]);
  });

  it("runs the service's online checker in every mode, each stale entry reported", () => {
    for (const mode of report.modes) {
      const [first, second] = mode.checker.windows;
      expect([first?.windowMs, second?.windowMs]).toEqual([1000, 10000]);
      // Every invalidated key is checked (100 % sampling), none dropped.
      expect((first?.counts.absent ?? 0) + (first?.counts.consistent ?? 0)).toBeGreaterThan(0);
      expect(first?.counts.dropped).toBe(0);
      expect(mode.checker.staleReported).toBe(mode.stale.stale);
    }
  });

  it('leaves no schema, slot, connector or key behind', async () => {
    expect(report.cleanupFailures).toEqual([]);
    const db = new pg.Client({ connectionString: endpoints.postgresUrl });
    await db.connect();
    try {
      const schemas = await db.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [
        report.name,
      ]);
      const slots = await db.query('SELECT 1 FROM pg_replication_slots WHERE slot_name = $1', [
        report.name,
      ]);
      expect(schemas.rowCount).toBe(0);
      expect(slots.rowCount).toBe(0);
    } finally {
      await db.end();
    }
    const connector = await fetch(`${endpoints.connectUrl}/connectors/${report.name}`);
    expect(connector.status).toBe(404);
    const redis = new Redis(endpoints.redisUrl, { lazyConnect: true });
    try {
      await redis.connect();
      const left: string[] = [];
      let cursor = '0';
      for (let round = 0; round < 10_000; round += 1) {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `*${report.name}*`, 'COUNT', 1000);
        left.push(...keys);
        cursor = next;
        if (cursor === '0') break;
      }
      expect(left).toEqual([]);
    } finally {
      redis.disconnect();
    }
  });
});
