/** Cumulative bucket counts of one histogram, by upper bound (Infinity for +Inf). */
export type Buckets = ReadonlyMap<number, number>;

/** Percentiles of the observations made between two scrapes of one histogram. */
export interface LagDistribution {
  readonly observations: number;
  /** In the histogram's unit, interpolated linearly inside the bucket; null without observations. */
  readonly p50: number | null;
  readonly p90: number | null;
  readonly p99: number | null;
  /** Upper bound of the highest non-empty bucket (a histogram keeps no exact maximum). */
  readonly maxAtMost: number | null;
}

/** `after - before`, bucket by bucket, sorted by upper bound (both of one histogram). */
export function bucketDelta(before: Buckets, after: Buckets): Map<number, number> {
  const bounds = [...after.keys()].sort((a, b) => a - b);
  return new Map(
    bounds.map((bound) => [bound, (after.get(bound) ?? 0) - (before.get(bound) ?? 0)]),
  );
}

/**
 * The upper bound of the first bucket holding a fraction `q` of the observations (no
 * interpolation: "at most this"); 0 without observations.
 */
export function bucketUpperBound(buckets: Buckets, q: number): number {
  const sorted = [...buckets].sort(([a], [b]) => a - b);
  const total = sorted.at(-1)?.[1] ?? 0;
  if (total === 0) return 0;
  return sorted.find(([, count]) => count >= q * total)?.[0] ?? Infinity;
}

/** The quantile `q` of cumulative `buckets`, interpolated inside its bucket; null when empty. */
export function bucketQuantile(buckets: Buckets, q: number): number | null {
  const sorted = [...buckets].sort(([a], [b]) => a - b);
  const total = sorted.at(-1)?.[1] ?? 0;
  if (total === 0) return null;
  const rank = q * total;
  let previousBound = 0;
  let previousCount = 0;
  for (const [bound, cumulative] of sorted) {
    if (cumulative >= rank) {
      if (bound === Infinity) return previousBound;
      const share =
        cumulative === previousCount ? 1 : (rank - previousCount) / (cumulative - previousCount);
      return previousBound + share * (bound - previousBound);
    }
    previousBound = bound;
    previousCount = cumulative;
  }
  return null;
}

/** The distribution of the observations between two scrapes (cumulative bucket deltas). */
export function histogramDelta(before: Buckets, after: Buckets): LagDistribution {
  const delta = [...bucketDelta(before, after)];
  const buckets = new Map(delta);
  let maxAtMost: number | null = null;
  for (const [i, [bound, count]] of delta.entries()) {
    const below = i === 0 ? 0 : (delta[i - 1]?.[1] ?? 0);
    if (count > below) maxAtMost = bound;
  }
  return {
    observations: delta.at(-1)?.[1] ?? 0,
    p50: bucketQuantile(buckets, 0.5),
    p90: bucketQuantile(buckets, 0.9),
    p99: bucketQuantile(buckets, 0.99),
    maxAtMost,
  };
}
