import { describe, expect, it } from 'vitest';
import { PrometheusScrape } from './prometheus-scrape.js';

const text = `# HELP invalidator_invalidated_total Keys, tags and patterns applied.
# TYPE invalidator_invalidated_total counter
invalidator_invalidated_total{kind="key"} 12
invalidator_invalidated_total{kind="tag"} 3
invalidator_events_total{entity="product",op="created"} 2
invalidator_events_total{entity="product",op="updated"} 5
invalidator_events_total{entity="brand",op="updated",note="a \\"quoted\\" value"} 1
invalidator_lag_seconds_bucket{le="0.1"} 4
invalidator_lag_seconds_bucket{le="1"} 9
invalidator_lag_seconds_bucket{le="+Inf"} 10
invalidator_lag_seconds_sum 3.5
invalidator_lag_seconds_count 10
invalidator_up 1
`;

describe('PrometheusScrape', () => {
  const scrape = new PrometheusScrape(text);

  it('sums the samples whose labels include the ones asked for', () => {
    expect(scrape.value('invalidator_invalidated_total')).toBe(15);
    expect(scrape.value('invalidator_invalidated_total', { kind: 'key' })).toBe(12);
    expect(scrape.value('invalidator_events_total', { op: 'updated' })).toBe(6);
    expect(scrape.value('invalidator_events_total', { entity: 'product', op: 'created' })).toBe(2);
    expect(scrape.value('invalidator_up')).toBe(1);
  });

  it('is 0 for a metric or label value that is not there, and skips comments', () => {
    expect(scrape.value('invalidator_missing')).toBe(0);
    expect(scrape.value('invalidator_invalidated_total', { kind: 'pattern' })).toBe(0);
    expect(scrape.value('#')).toBe(0);
  });

  it('reads escaped quotes inside label values', () => {
    const [sample] = [...scrape.samples('invalidator_events_total')].filter(
      (s) => s.labels.get('entity') === 'brand',
    );
    expect(sample?.labels.get('note')).toBe('a \\"quoted\\" value');
  });

  it('reads histogram buckets by upper bound, +Inf as Infinity', () => {
    expect(scrape.buckets('invalidator_lag_seconds')).toEqual(
      new Map([
        [0.1, 4],
        [1, 9],
        [Infinity, 10],
      ]),
    );
    expect(scrape.buckets('invalidator_missing').size).toBe(0);
  });
});
