import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { DecodeError } from '#debezium';
import type { MessageOutcome } from '#invalidation';
import { HealthState } from '../health/health-state.js';
import { InvalidatorMetrics } from './invalidator-metrics.js';
import { MetricsObserver } from './metrics-observer.js';

const message = (offset: number) => ({
  topic: 'cdc.products',
  partition: 0,
  offset: String(offset),
  key: null,
  value: null,
  headers: {},
  timestamp: '0',
});

function invalidated(offset: number, event: string): MessageOutcome {
  const plan = { keys: ['k'], tags: [], namespaces: [], patterns: [] };
  return { kind: 'invalidate', message: message(offset), event, plan, committedAtMs: null };
}

async function events(metrics: InvalidatorMetrics): Promise<string[]> {
  const { values } = await metrics.events.get();
  return values
    .map(
      ({ labels, value }) =>
        `${String(labels.entity)}.${String(labels.op)} ${String(labels.outcome)}/${String(labels.reason)}=${value}`,
    )
    .sort();
}

describe('MetricsObserver', () => {
  it('counts a chunk of outcomes by event and outcome, and hands each one on in order', async () => {
    const metrics = new InvalidatorMetrics();
    const seen: string[] = [];
    const observer = new MetricsObserver(
      metrics,
      pino({ level: 'silent' }),
      new HealthState(60_000),
      (outcome) => seen.push(outcome.message.offset),
    );
    const error = new DecodeError('INVALID_JSON', 'not JSON', { topic: 'cdc.products' });
    observer.outcomes([
      invalidated(1, 'product.updated'),
      invalidated(2, 'product.updated'),
      { kind: 'ignore', message: message(3), event: 'product.updated', reason: 'no-rule' },
      invalidated(4, 'category.deleted'),
      { kind: 'dead-letter', message: message(5), event: null, error },
    ]);
    observer.outcomes([invalidated(6, 'product.updated')]);

    expect(seen).toEqual(['1', '2', '3', '4', '5', '6']);
    expect(await events(metrics)).toEqual([
      'category.deleted invalidated/=1',
      'none.none dead_lettered/DEBEZIUM_INVALID_JSON=1',
      'product.updated ignored/no-rule=1',
      'product.updated invalidated/=3',
    ]);
    const { values } = await metrics.deadLetters.get();
    expect(values.map((v) => [v.labels.code, v.value])).toEqual([['DEBEZIUM_INVALID_JSON', 1]]);
  });
});
