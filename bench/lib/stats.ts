/** Latency distribution of one measurement, in milliseconds. */
export interface Distribution {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/** Nearest-rank percentiles of `samples` (not modified). */
export function distribution(samples: readonly number[]): Distribution {
  const sorted = Float64Array.from(samples).sort();
  const at = (q: number): number => {
    if (sorted.length === 0) return 0;
    const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
    return round(sorted[rank] ?? 0);
  };
  return {
    count: sorted.length,
    p50: at(0.5),
    p90: at(0.9),
    p99: at(0.99),
    max: round(sorted.at(-1) ?? 0),
  };
}

export function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** One cumulative bucket of a Prometheus histogram. */
export interface Bucket {
  le: number;
  count: number;
}

/** The cumulative buckets of histogram `name` (unlabelled) in a Prometheus text exposition. */
export function parseHistogram(text: string, name: string): Bucket[] {
  const buckets: Bucket[] = [];
  const re = new RegExp(`^${name}_bucket\\{le="([^"]+)"\\} (\\S+)$`, 'gm');
  for (const match of text.matchAll(re)) {
    const le = match[1] === '+Inf' ? Infinity : Number(match[1]);
    buckets.push({ le, count: Number(match[2]) });
  }
  return buckets.sort((a, b) => a.le - b.le);
}

/** Sum of every series of counter `name` in a Prometheus text exposition (optionally filtered). */
export function sumCounter(text: string, name: string, labelFilter?: string): number {
  let total = 0;
  const re = new RegExp(`^${name}(\\{[^}]*\\})? (\\S+)$`, 'gm');
  for (const match of text.matchAll(re)) {
    if (labelFilter !== undefined && !(match[1] ?? '').includes(labelFilter)) continue;
    total += Number(match[2]);
  }
  return total;
}

/** Upper bound (bucket `le`, in the histogram's unit) under which a fraction `q` of observations fall. */
export function bucketQuantile(buckets: readonly Bucket[], q: number): number {
  const total = buckets.at(-1)?.count ?? 0;
  if (total === 0) return 0;
  const found = buckets.find((b) => b.count >= q * total);
  return found?.le ?? Infinity;
}

/** Difference of two cumulative bucket lists taken from the same histogram (after - before). */
export function bucketDelta(after: readonly Bucket[], before: readonly Bucket[]): Bucket[] {
  return after.map((b) => ({
    le: b.le,
    count: b.count - (before.find((x) => x.le === b.le)?.count ?? 0),
  }));
}

export function formatInt(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}
