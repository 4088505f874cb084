import { describe, expect, it } from 'vitest';
import { InvalidatorMetrics } from './invalidator-metrics.js';

async function lagSeries(metrics: InvalidatorMetrics): Promise<string[]> {
  const { values } = await metrics.consumerLag.get();
  return values.map(({ labels, value }) => `${labels.topic}/${labels.partition}=${value}`).sort();
}

describe('InvalidatorMetrics consumer lag', () => {
  it('drops the series of partitions that moved to another member and keeps the owned ones', async () => {
    const metrics = new InvalidatorMetrics();
    metrics.setConsumerLag('cdc.products', 0, 5);
    metrics.setConsumerLag('cdc.products', 1, 7);
    metrics.setConsumerLag('cdc.categories', 0, 2);

    metrics.keepConsumerLagOf([{ topic: 'cdc.products', partition: 1 }]);

    expect(await lagSeries(metrics)).toEqual(['cdc.products/1=7']);
  });

  it('reports a partition again once it is assigned back and lags', async () => {
    const metrics = new InvalidatorMetrics();
    metrics.setConsumerLag('cdc.products', 0, 5);
    metrics.keepConsumerLagOf([]);
    expect(await lagSeries(metrics)).toEqual([]);

    metrics.setConsumerLag('cdc.products', 0, 3);
    expect(await lagSeries(metrics)).toEqual(['cdc.products/0=3']);
  });
});
