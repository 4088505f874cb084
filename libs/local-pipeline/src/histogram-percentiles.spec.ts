import { describe, expect, it } from 'vitest';
import {
  bucketDelta,
  bucketQuantile,
  bucketUpperBound,
  histogramDelta,
} from './histogram-percentiles.js';

const buckets = (entries: [number, number][]) => new Map(entries);

describe('bucketDelta', () => {
  it('subtracts bucket by bucket, sorted by bound, a missing before bucket counting 0', () => {
    const delta = bucketDelta(
      buckets([[1, 2]]),
      buckets([
        [Infinity, 9],
        [1, 5],
        [0.5, 1],
      ]),
    );
    expect([...delta]).toEqual([
      [0.5, 1],
      [1, 3],
      [Infinity, 9],
    ]);
  });
});

describe('bucketQuantile (interpolated)', () => {
  const cumulative = buckets([
    [0.1, 50],
    [0.5, 90],
    [1, 100],
    [Infinity, 100],
  ]);

  it('interpolates linearly inside the bucket holding the rank', () => {
    expect(bucketQuantile(cumulative, 0.5)).toBeCloseTo(0.1);
    expect(bucketQuantile(cumulative, 0.25)).toBeCloseTo(0.05);
    expect(bucketQuantile(cumulative, 0.7)).toBeCloseTo(0.3);
    expect(bucketQuantile(cumulative, 0.95)).toBeCloseTo(0.75);
  });

  it('answers the last finite bound for a rank in +Inf, and null when empty', () => {
    expect(
      bucketQuantile(
        buckets([
          [1, 0],
          [Infinity, 4],
        ]),
        0.5,
      ),
    ).toBe(1);
    expect(
      bucketQuantile(
        buckets([
          [1, 0],
          [Infinity, 0],
        ]),
        0.5,
      ),
    ).toBeNull();
    expect(bucketQuantile(new Map(), 0.5)).toBeNull();
  });
});

describe('bucketUpperBound', () => {
  it('answers the bound of the first bucket reaching the rank, 0 when empty', () => {
    const cumulative = buckets([
      [0.1, 50],
      [0.5, 90],
      [Infinity, 100],
    ]);
    expect(bucketUpperBound(cumulative, 0.5)).toBe(0.1);
    expect(bucketUpperBound(cumulative, 0.9)).toBe(0.5);
    expect(bucketUpperBound(cumulative, 0.99)).toBe(Infinity);
    expect(bucketUpperBound(buckets([[1, 0]]), 0.5)).toBe(0);
  });
});

describe('histogramDelta', () => {
  it('measures only what was observed between the two scrapes', () => {
    const before = buckets([
      [0.1, 100],
      [1, 100],
      [Infinity, 100],
    ]);
    const after = buckets([
      [0.1, 110],
      [1, 120],
      [Infinity, 120],
    ]);
    const found = histogramDelta(before, after);
    expect(found.observations).toBe(20);
    expect(found.p50).toBeCloseTo(0.1);
    expect(found.p90).toBeCloseTo(0.1 + 0.8 * 0.9);
    expect(found.p99).toBeCloseTo(0.1 + 0.98 * 0.9);
    expect(found.maxAtMost).toBe(1);
  });

  it('has no percentiles without observations', () => {
    const same = buckets([
      [1, 3],
      [Infinity, 3],
    ]);
    expect(histogramDelta(same, same)).toEqual({
      observations: 0,
      p50: null,
      p90: null,
      p99: null,
      maxAtMost: null,
    });
  });

  it('says +Inf as the maximum when an observation went beyond every bound', () => {
    const found = histogramDelta(
      new Map(),
      buckets([
        [1, 1],
        [Infinity, 2],
      ]),
    );
    expect(found.maxAtMost).toBe(Infinity);
    expect(found.p99).toBe(1);
  });
});
