import { compareVersions } from '#cache-keys';

/** Where an invalidation came from, for the log line of an inconsistency. */
export interface ChangeOrigin {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
}

/** One key the invalidator deleted, with the change's version (null when unversioned). */
export interface InvalidatedKey {
  readonly key: string;
  readonly version: string | null;
  readonly origin: ChangeOrigin;
}

/** What a read of the key found: nothing, or an entry with its version (null: unversioned). */
export type EntryState =
  { readonly kind: 'absent' } | { readonly kind: 'present'; readonly version: string | null };

/** Port: reads the state of cache entries. Must be cheap per key (no KEYS, no SCAN). */
export interface EntryStateReader {
  read(keys: readonly string[]): Promise<readonly EntryState[]>;
}

/** How one check came out. `dropped`: sampled but not checked (queue full, or the read failed). */
export type CheckResult = 'absent' | 'consistent' | 'inconsistent' | 'unknown' | 'dropped';

/** Every result, for pre-initialised metrics. */
export const CHECK_RESULTS: readonly CheckResult[] = [
  'absent',
  'consistent',
  'inconsistent',
  'unknown',
  'dropped',
];

/** One finished check. */
export interface CheckReport {
  readonly windowMs: number;
  readonly result: CheckResult;
  readonly key: string;
  readonly origin: ChangeOrigin;
  readonly changeVersion: string | null;
  /** The entry's version when the entry was present; null otherwise or when unversioned. */
  readonly entryVersion: string | null;
}

/** Tuning of {@link ConsistencyChecker}; defaults in {@link CONSISTENCY_DEFAULTS}. */
export interface ConsistencyCheckerOptions {
  /** Fraction of invalidated keys checked, in [0, 1]. */
  readonly sampleRate?: number;
  /** After how long each sampled key is read again, one check per window. */
  readonly windowsMs?: readonly number[];
  /** Checks waiting at most (over all windows); more are counted `dropped`, never queued. */
  readonly maxPending?: number;
  /** Keys read per second at most; the rest wait for the next tick. */
  readonly readsPerSecond?: number;
  /** How often due checks run. */
  readonly tickMs?: number;
  readonly clock?: () => number;
  readonly random?: () => number;
}

/** Defaults of {@link ConsistencyCheckerOptions}, written once. */
export const CONSISTENCY_DEFAULTS = {
  sampleRate: 0.01,
  windowsMs: [1_000, 10_000, 60_000] as readonly number[],
  maxPending: 10_000,
  readsPerSecond: 500,
  tickMs: 100,
} as const;

/** Counts of one window, and its consistency as nines. */
export interface WindowSummary {
  readonly windowMs: number;
  readonly counts: Readonly<Record<CheckResult, number>>;
  /** Consistent share of the decided checks (absent and consistent over all but unknown and dropped); null before any. */
  readonly consistency: number | null;
  /** -log10(1 - consistency), capped at the precision the sample allows; null before any. */
  readonly nines: number | null;
}

interface Pending {
  readonly item: InvalidatedKey;
  readonly dueAt: number;
}

/**
 * An online consistency checker, after Meta's Polaris: samples invalidated keys and, after each
 * window, reads the key back and classifies it: absent (not refilled yet), consistent (refilled
 * with a version at or after the change), inconsistent (refilled with an OLDER version: a stale
 * entry outlived the invalidation), or unknown (an entry or a change without a version). Cost is
 * bounded: a capped queue, and at most `readsPerSecond` key reads, paced per tick.
 */
export class ConsistencyChecker {
  private readonly sampleRate: number;
  private readonly windowsMs: readonly number[];
  private readonly maxPending: number;
  private readonly readsPerTick: number;
  private readonly tickMs: number;
  private readonly clock: () => number;
  private readonly random: () => number;
  private readonly queues: Map<number, Pending[]>;
  private readonly counts = new Map<number, Record<CheckResult, number>>();
  private pendingCount = 0;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly reader: EntryStateReader,
    private readonly onReport: (report: CheckReport) => void,
    options: ConsistencyCheckerOptions = {},
  ) {
    this.sampleRate = options.sampleRate ?? CONSISTENCY_DEFAULTS.sampleRate;
    this.windowsMs = [...new Set(options.windowsMs ?? CONSISTENCY_DEFAULTS.windowsMs)].sort(
      (a, b) => a - b,
    );
    this.maxPending = options.maxPending ?? CONSISTENCY_DEFAULTS.maxPending;
    this.tickMs = options.tickMs ?? CONSISTENCY_DEFAULTS.tickMs;
    const perSecond = options.readsPerSecond ?? CONSISTENCY_DEFAULTS.readsPerSecond;
    this.readsPerTick = Math.max(1, Math.floor((perSecond * this.tickMs) / 1000));
    this.clock = options.clock ?? Date.now;
    this.random = options.random ?? Math.random;
    if (!(this.sampleRate >= 0 && this.sampleRate <= 1)) {
      throw new RangeError(`sampleRate ${this.sampleRate}: expected a number from 0 to 1`);
    }
    if (this.windowsMs.length === 0 || this.windowsMs.some((w) => !(w > 0))) {
      throw new RangeError('windowsMs: expected at least one window above 0 ms');
    }
    this.queues = new Map(this.windowsMs.map((w) => [w, []]));
    for (const w of this.windowsMs) this.counts.set(w, emptyCounts());
  }

  /** Samples keys just invalidated. Cheap and synchronous: never reads Redis. */
  observe(keys: readonly InvalidatedKey[]): void {
    const now = this.clock();
    for (const item of keys) {
      if (this.sampleRate < 1 && this.random() >= this.sampleRate) continue;
      for (const windowMs of this.windowsMs) {
        if (this.pendingCount >= this.maxPending) {
          this.finish(windowMs, 'dropped', item, null);
          continue;
        }
        this.queues.get(windowMs)?.push({ item, dueAt: now + windowMs });
        this.pendingCount += 1;
      }
    }
  }

  /** Runs the due checks, at most one tick's read budget. Resolves when they are classified. */
  async tick(): Promise<void> {
    const due = this.takeDue(this.readsPerTick);
    if (due.length === 0) return;
    let states: readonly EntryState[];
    try {
      states = await this.reader.read(due.map(([, p]) => p.item.key));
    } catch {
      for (const [windowMs, p] of due) this.finish(windowMs, 'dropped', p.item, null);
      return;
    }
    due.forEach(([windowMs, p], i) => {
      const state = states[i] ?? { kind: 'absent' };
      const entryVersion = state.kind === 'present' ? state.version : null;
      this.finish(windowMs, classify(p.item.version, state), p.item, entryVersion);
    });
  }

  /** Starts the paced background reads (one tick at a time, never overlapping). */
  start(): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => {
      if (this.running !== undefined) return;
      this.running = this.tick().finally(() => (this.running = undefined));
    }, this.tickMs);
    this.timer.unref();
  }

  /** Stops the background reads; pending checks are abandoned. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** Checks queued and not yet done. */
  pending(): number {
    return this.pendingCount;
  }

  /** Counts and nines per window since start. */
  summary(): WindowSummary[] {
    return this.windowsMs.map((windowMs) => {
      const counts = { ...(this.counts.get(windowMs) ?? emptyCounts()) };
      const decided = counts.absent + counts.consistent + counts.inconsistent;
      if (decided === 0) return { windowMs, counts, consistency: null, nines: null };
      const consistency = (decided - counts.inconsistent) / decided;
      // With n checks and none bad, the sample shows at most log10(n) nines.
      const nines = counts.inconsistent === 0 ? Math.log10(decided) : -Math.log10(1 - consistency);
      return { windowMs, counts, consistency, nines: Math.round(nines * 100) / 100 };
    });
  }

  private takeDue(budget: number): [number, Pending][] {
    const now = this.clock();
    const due: [number, Pending][] = [];
    for (const [windowMs, queue] of this.queues) {
      let taken = 0;
      while (
        due.length < budget &&
        taken < queue.length &&
        (queue[taken]?.dueAt ?? Infinity) <= now
      ) {
        due.push([windowMs, queue[taken] as Pending]);
        taken += 1;
      }
      queue.splice(0, taken);
      this.pendingCount -= taken;
    }
    return due;
  }

  private finish(
    windowMs: number,
    result: CheckResult,
    item: InvalidatedKey,
    entryVersion: string | null,
  ): void {
    const counts = this.counts.get(windowMs);
    if (counts !== undefined) counts[result] += 1;
    this.onReport({
      windowMs,
      result,
      key: item.key,
      origin: item.origin,
      changeVersion: item.version,
      entryVersion,
    });
  }
}

/** The classification of one read, given the change's version. */
export function classify(changeVersion: string | null, state: EntryState): CheckResult {
  if (state.kind === 'absent') return 'absent';
  if (state.version === null || changeVersion === null) return 'unknown';
  return compareVersions(state.version, changeVersion) < 0 ? 'inconsistent' : 'consistent';
}

function emptyCounts(): Record<CheckResult, number> {
  return { absent: 0, consistent: 0, inconsistent: 0, unknown: 0, dropped: 0 };
}
