import { describe, expect, it } from 'vitest';
import {
  classify,
  ConsistencyChecker,
  type CheckReport,
  type EntryState,
  type EntryStateReader,
} from './consistency-checker.js';
import { stateOf } from './redis-entry-state-reader.js';

class FakeCache implements EntryStateReader {
  readonly entries = new Map<string, EntryState>();
  reads = 0;
  read(keys: readonly string[]): Promise<readonly EntryState[]> {
    this.reads += keys.length;
    return Promise.resolve(keys.map((k) => this.entries.get(k) ?? { kind: 'absent' }));
  }
}

const origin = { topic: 'catalog.public.products', partition: 0, offset: '42' };

function setup(options: ConstructorParameters<typeof ConsistencyChecker>[2] = {}) {
  let now = 0;
  const cache = new FakeCache();
  const reports: CheckReport[] = [];
  const checker = new ConsistencyChecker(cache, (r) => reports.push(r), {
    sampleRate: 1,
    windowsMs: [1_000, 10_000],
    clock: () => now,
    ...options,
  });
  return { checker, cache, reports, advance: (ms: number) => (now += ms) };
}

describe('classify', () => {
  it('tells absent, consistent, inconsistent and unknown apart, exactly', () => {
    expect(classify('8', { kind: 'absent' })).toBe('absent');
    expect(classify('8', { kind: 'present', version: '8' })).toBe('consistent');
    expect(classify('8', { kind: 'present', version: '9' })).toBe('consistent');
    expect(classify('9007199254740993', { kind: 'present', version: '9007199254740992' })).toBe(
      'inconsistent',
    );
    expect(classify('8', { kind: 'present', version: null })).toBe('unknown');
    expect(classify(null, { kind: 'present', version: '8' })).toBe('unknown');
  });
});

describe('stateOf (the envelope head GETRANGE returns)', () => {
  it('reads the version from the head of an entry', () => {
    expect(stateOf('')).toEqual({ kind: 'absent' });
    expect(stateOf('{"a":1}')).toEqual({ kind: 'present', version: null });
    expect(stateOf('#1;1764681600123456;{"pri')).toEqual({
      kind: 'present',
      version: '1764681600123456',
    });
    expect(stateOf('#1;;#x')).toEqual({ kind: 'present', version: null });
  });
});

describe('ConsistencyChecker', () => {
  it('reads each sampled key after each window and reports a stale refill with both versions', async () => {
    const { checker, cache, reports, advance } = setup();
    checker.observe([{ key: 'p:1', version: '8', origin }]);
    await checker.tick();
    expect(reports).toEqual([]); // nothing due yet
    advance(1_000);
    await checker.tick();
    expect(reports).toMatchObject([{ windowMs: 1_000, result: 'absent', key: 'p:1' }]);
    cache.entries.set('p:1', { kind: 'present', version: '7' }); // a stale refill
    advance(9_000);
    await checker.tick();
    expect(reports[1]).toEqual({
      windowMs: 10_000,
      result: 'inconsistent',
      key: 'p:1',
      origin,
      changeVersion: '8',
      entryVersion: '7',
    });
    expect(checker.pending()).toBe(0);
  });

  it('reports nines per window', async () => {
    const { checker, cache, advance } = setup({ windowsMs: [1_000] });
    for (let i = 0; i < 1000; i += 1) {
      cache.entries.set(`p:${i}`, { kind: 'present', version: i === 0 ? '1' : '8' });
    }
    checker.observe(
      Array.from({ length: 1000 }, (_, i) => ({ key: `p:${i}`, version: '8', origin })),
    );
    advance(1_000);
    while (checker.pending() > 0) await checker.tick();
    const [window] = checker.summary();
    expect(window?.counts).toMatchObject({ consistent: 999, inconsistent: 1 });
    expect(window?.nines).toBe(3);
  });

  it('bounds its cost: a capped queue (excess dropped, counted) and paced reads', async () => {
    const { checker, cache, reports, advance } = setup({
      windowsMs: [1_000],
      maxPending: 100,
      readsPerSecond: 50,
      tickMs: 100,
    });
    checker.observe(
      Array.from({ length: 150 }, (_, i) => ({ key: `p:${i}`, version: '1', origin })),
    );
    expect(checker.pending()).toBe(100);
    expect(reports.filter((r) => r.result === 'dropped')).toHaveLength(50);
    advance(1_000);
    await checker.tick();
    expect(cache.reads).toBe(5); // 50 reads/s at one tick per 100 ms
  });

  it('samples at the configured rate', () => {
    let r = 0;
    const { checker } = setup({
      sampleRate: 0.25,
      windowsMs: [1_000],
      random: () => (r++ % 4) / 4,
    });
    checker.observe(
      Array.from({ length: 100 }, (_, i) => ({ key: `p:${i}`, version: '1', origin })),
    );
    expect(checker.pending()).toBe(25);
  });

  it('counts a failed read as dropped, never as consistent', async () => {
    const reports: CheckReport[] = [];
    let now = 0;
    const checker = new ConsistencyChecker(
      { read: () => Promise.reject(new Error('redis down')) },
      (r) => reports.push(r),
      { sampleRate: 1, windowsMs: [1], clock: () => now },
    );
    checker.observe([{ key: 'p:1', version: '1', origin }]);
    now = 1;
    await checker.tick();
    expect(reports.map((r) => r.result)).toEqual(['dropped']);
  });
});
