import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAudit } from '../support/audit-run.js';

// The audit with loaders on the lagging replica (started on demand by the audit), small enough
// for CI: leases only (entries versioned, the service leaving no markers, so the replica race
// does leave stale entries), then leases + versions (markers on). The service's online checker
// runs at 100 % sampling in both; its reports are compared with the audit's ground truth.

interface CheckerWindow {
  windowMs: number;
  counts: Record<string, number>;
}
interface ModeReport {
  mode: string;
  markers: boolean;
  workload: { reads: number; writes: number };
  cache: Record<string, number>;
  stale: { checked: number; stale: number; staleKeys: string[] };
  checker: {
    windows: CheckerWindow[];
    inconsistentKeys: number;
    staleReported: number;
    recall: number | null;
    missed: string[];
  };
}
interface Report {
  replicaDelayMs: number | null;
  modes: ModeReport[];
  cleanupFailures: string[];
}

const inconsistent = (mode: ModeReport): number =>
  mode.checker.windows.reduce((sum, w) => sum + (w.counts.inconsistent ?? 0), 0);

describe('npm run audit --replica (leases only, then leases + versions)', () => {
  let dir: string | undefined;
  let report: Report;
  let byMode: (name: string) => ModeReport;

  beforeAll(async () => {
    const tmp = await mkdtemp(join(tmpdir(), 'audit-replica-e2e-'));
    dir = tmp;
    const out = join(tmp, 'audit.json');
    // ~20 hot products, so reads right after an invalidation meet the replica's old row.
    const { code, stderr } = await runAudit(
      [
        ...['--replica', '--mode', 'lease,versioned', '--seconds', '8', '--readers', '8'],
        ...['--writers', '2', '--products', '20', '--min-reads', '2000', '--min-writes', '300'],
        ...['--check-windows-ms', '1000,5000', '--out', out],
      ],
      240_000,
    );
    // 0: leases + versions left nothing stale (leases only may: that is what the run shows).
    expect(code, stderr).toBe(0);
    report = JSON.parse(await readFile(out, 'utf8')) as Report;
    byMode = (name) => {
      const found = report.modes.find((m) => m.mode === name);
      if (found === undefined) throw new Error(`no ${name} mode in the report`);
      return found;
    };
  }, 300_000);

  afterAll(async () => {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('read from the lagging replica, a few thousand operations per mode', () => {
    expect(report.replicaDelayMs).toBeGreaterThanOrEqual(300);
    for (const mode of report.modes) {
      expect(mode.workload.reads).toBeGreaterThanOrEqual(2000);
      expect(mode.workload.writes).toBeGreaterThanOrEqual(300);
    }
    expect(report.cleanupFailures).toEqual([]);
  });

  it('leases only: the checker saw the replica race, and reported every stale entry (recall 100 %)', () => {
    const lease = byMode('lease');
    expect(lease.markers).toBe(false);
    expect(lease.checker.inconsistentKeys).toBeGreaterThan(0);
    expect(lease.checker.missed).toEqual([]);
    expect(lease.checker.staleReported).toBe(lease.stale.stale);
    if (lease.stale.stale > 0) expect(lease.checker.recall).toBe(1);
  });

  it('leases + versions: fills refused by the markers, 0 stale and 0 inconsistent', () => {
    const versioned = byMode('versioned');
    expect(versioned.markers).toBe(true);
    expect(versioned.cache['fill-refused'] ?? 0).toBeGreaterThan(0);
    expect(versioned.stale.stale).toBe(0);
    expect(inconsistent(versioned)).toBe(0);
    for (const window of versioned.checker.windows) {
      expect(window.counts.dropped).toBe(0);
      expect((window.counts.absent ?? 0) + (window.counts.consistent ?? 0)).toBeGreaterThan(0);
    }
  });
});
