/** One sample line of a Prometheus text exposition. */
export interface Sample {
  readonly labels: ReadonlyMap<string, string>;
  readonly value: number;
}

/** Samples of one Prometheus text scrape. */
export class PrometheusScrape {
  constructor(readonly text: string) {}

  /** Sum of the samples of `name` whose labels include `labels`. @default labels {} */
  value(name: string, labels: Readonly<Record<string, string>> = {}): number {
    let sum = 0;
    for (const sample of this.samples(name)) {
      if (Object.entries(labels).every(([k, v]) => sample.labels.get(k) === v)) {
        sum += sample.value;
      }
    }
    return sum;
  }

  /** Cumulative bucket counts of (unlabelled) histogram `name`, by upper bound (+Inf: Infinity). */
  buckets(name: string): Map<number, number> {
    const out = new Map<number, number>();
    for (const sample of this.samples(`${name}_bucket`)) {
      const le = sample.labels.get('le');
      if (le !== undefined) out.set(le === '+Inf' ? Infinity : Number(le), sample.value);
    }
    return out;
  }

  /** Every sample of metric `name` (comments and other metrics skipped). */
  *samples(name: string): Generator<Sample> {
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
