/** Samples of one Prometheus text scrape. */
export class PrometheusScrape {
  constructor(readonly text: string) {}

  /** Sum of the samples of `name` whose labels include `labels`. */
  value(name: string, labels: Readonly<Record<string, string>> = {}): number {
    let sum = 0;
    for (const sample of this.samples(name)) {
      if (Object.entries(labels).every(([k, v]) => sample.labels.get(k) === v)) {
        sum += sample.value;
      }
    }
    return sum;
  }

  /** Cumulative bucket counts of histogram `name`, by upper bound (Infinity for +Inf). */
  buckets(name: string): Map<number, number> {
    const out = new Map<number, number>();
    for (const sample of this.samples(`${name}_bucket`)) {
      const le = sample.labels.get('le');
      if (le !== undefined) out.set(le === '+Inf' ? Infinity : Number(le), sample.value);
    }
    return out;
  }

  private *samples(name: string): Generator<{ labels: Map<string, string>; value: number }> {
    for (const line of this.text.split('\n')) {
      const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
      if (match?.[1] !== name) continue;
      const labels = new Map<string, string>();
      for (const label of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) {
        labels.set(label[1] ?? '', label[2] ?? '');
      }
      yield { labels, value: Number(match[3]) };
    }
  }
}

/** Percentiles of the observations made between two scrapes of one histogram. */
export interface LagDistribution {
  readonly observations: number;
  /** Seconds, interpolated linearly inside the bucket; null without observations. */
  readonly p50: number | null;
  readonly p90: number | null;
  readonly p99: number | null;
  /** Upper bound of the highest non-empty bucket (a histogram keeps no exact maximum). */
  readonly maxAtMost: number | null;
}

/** The distribution of `after - before` (cumulative bucket deltas). */
export function histogramDelta(
  before: Map<number, number>,
  after: Map<number, number>,
): LagDistribution {
  const bounds = [...after.keys()].sort((a, b) => a - b);
  const delta = bounds.map((bound) => (after.get(bound) ?? 0) - (before.get(bound) ?? 0));
  const total = delta.at(-1) ?? 0;
  const quantile = (q: number): number | null => {
    if (total === 0) return null;
    const rank = q * total;
    let previousBound = 0;
    let previousCount = 0;
    for (const [i, bound] of bounds.entries()) {
      const cumulative = delta[i] ?? 0;
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
  };
  let maxAtMost: number | null = null;
  for (const [i, bound] of bounds.entries()) {
    const below = i === 0 ? 0 : (delta[i - 1] ?? 0);
    if ((delta[i] ?? 0) > below) maxAtMost = bound;
  }
  return {
    observations: total,
    p50: quantile(0.5),
    p90: quantile(0.9),
    p99: quantile(0.99),
    maxAtMost,
  };
}
