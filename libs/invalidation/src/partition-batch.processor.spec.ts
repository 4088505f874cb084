import { describe, expect, it } from 'vitest';
import { InvalidatorError } from '#errors';
import type { InvalidationPlan } from '#redis-invalidation';
import { BackoffPolicy } from '#retry';
import { compileRules, type CascadeLookup } from '#rules';
import { silentObserver, type BatchObserver } from './batch.observer.js';
import { MessagePreparer } from './message.preparer.js';
import { PartitionBatchProcessor } from './partition-batch.processor.js';
import type { ConsumedMessage, DeadLetter, PartitionBatch } from './partition-batch.types.js';

const ruleSet = compileRules([
  {
    path: 'rules/test.yaml',
    text: `
version: 1
entities:
  product: { table: public.products }
  category: { table: public.categories }
rules:
  - name: product-pages
    on: [product.updated, product.deleted]
    invalidate:
      - key: "product:{id}"
      - key: "category:{category_id}:products"
  - name: category-pages
    on: [category.updated]
    invalidate:
      - key: "category:{id}"
      - cascade:
          entity: product
          lookup: "SELECT id, category_id FROM products WHERE category_id = $1"
          params: [id]
`,
  },
]);

const topic = 'catalog.public.products';
let nextOffset = 0;
function message(value: string | null, source = 'products'): ConsumedMessage {
  const offset = String(nextOffset++);
  return {
    topic: source === 'products' ? topic : `catalog.public.${source}`,
    partition: 0,
    offset,
    key: null,
    value: value === null ? null : Buffer.from(value),
    headers: {},
    timestamp: '0',
  };
}
const update = (id: number, before: number, after: number, table = 'products') =>
  message(
    JSON.stringify({
      op: 'u',
      before: { id, category_id: before },
      after: { id, category_id: after },
      source: { schema: 'public', table, ts_ms: 1000 },
      ts_ms: 1001,
    }),
    table,
  );

class FakeBatch implements PartitionBatch {
  readonly topic = topic;
  readonly partition = 0;
  resolved: string[] = [];
  running = true;
  constructor(readonly messages: ConsumedMessage[]) {}
  resolveOffset(offset: string) {
    this.resolved.push(offset);
  }
  commit = () => Promise.resolve();
  heartbeat = () => Promise.resolve();
  isRunning = () => this.running;
  isStale = () => false;
}

const transient = () =>
  new InvalidatorError('REDIS_UNAVAILABLE', 'connection refused', { retriable: true });
const noLookup: CascadeLookup = { run: () => Promise.reject(new Error('no lookups expected')) };
const instant = new BackoffPolicy({ initialDelayMs: 0, maxDelayMs: 0 });

function setup(options: {
  apply?: (plan: InvalidationPlan) => Promise<void>;
  send?: (letters: readonly DeadLetter[]) => Promise<void>;
  lookup?: CascadeLookup;
  observer?: BatchObserver;
  chunkSize?: number;
}) {
  const applied: InvalidationPlan[] = [];
  const letters: DeadLetter[] = [];
  const processor = new PartitionBatchProcessor(
    {
      rules: () => ruleSet,
      preparer: new MessagePreparer(options.lookup ?? noLookup, instant),
      applier: {
        apply: async (plan) => {
          await options.apply?.(plan);
          applied.push(plan);
          return {
            keys: plan.keys.length,
            tags: 0,
            tagMembers: 0,
            namespaces: 0,
            patterns: 0,
            patternMatches: 0,
            removed: 0,
          };
        },
      },
      deadLetters: {
        send: async (sent) => {
          await options.send?.(sent);
          letters.push(...sent);
        },
      },
      observer: options.observer ?? silentObserver,
      backoff: instant,
    },
    { chunkSize: options.chunkSize ?? 500 },
  );
  return { processor, applied, letters };
}

describe('PartitionBatchProcessor', () => {
  it('applies each distinct key once per chunk, then resolves the last offset', async () => {
    const { processor, applied } = setup({});
    const batch = new FakeBatch([update(1, 5, 7), update(2, 5, 5), update(1, 5, 7)]);
    await processor.process(batch);
    expect(applied).toEqual([
      {
        keys: ['category:5:products', 'category:7:products', 'product:1', 'product:2'],
        tags: [],
        namespaces: [],
        patterns: [],
      },
    ]);
    expect(batch.resolved).toEqual([batch.messages[2]?.offset]);
  });

  it('resolves chunk by chunk, each after its own keys were applied', async () => {
    const order: string[] = [];
    const { processor } = setup({
      chunkSize: 2,
      apply: (plan) => {
        order.push(`apply ${plan.keys.join(' ')}`);
        return Promise.resolve();
      },
    });
    const batch = new FakeBatch([update(1, 5, 5), update(2, 5, 5), update(3, 5, 5)]);
    batch.resolveOffset = (offset) => order.push(`resolve ${offset}`);
    await processor.process(batch);
    expect(order).toEqual([
      `apply category:5:products product:1 product:2`,
      `resolve ${batch.messages[1]?.offset}`,
      `apply category:5:products product:3`,
      `resolve ${batch.messages[2]?.offset}`,
    ]);
  });

  it('retries a transient Redis failure and resolves nothing until the keys are gone', async () => {
    let failures = 3;
    let resolvedDuringFailure = false;
    const batch = new FakeBatch([update(1, 5, 5)]);
    const { processor, applied } = setup({
      apply: () => {
        if (batch.resolved.length > 0) resolvedDuringFailure = true;
        return failures-- > 0 ? Promise.reject(transient()) : Promise.resolve();
      },
    });
    await processor.process(batch);
    expect(applied).toHaveLength(1);
    expect(resolvedDuringFailure).toBe(false);
    expect(batch.resolved).toEqual([batch.messages[0]?.offset]);
  });

  it('abandons the batch without resolving when the consumer stops during an outage', async () => {
    const batch = new FakeBatch([update(1, 5, 5)]);
    let attempts = 0;
    const { processor, applied } = setup({
      apply: () => {
        attempts += 1;
        if (attempts === 3) batch.running = false;
        return Promise.reject(transient());
      },
    });
    await processor.process(batch);
    expect(applied).toHaveLength(0);
    expect(batch.resolved).toEqual([]);
  });

  it('dead-letters an undecodable message and still processes the next one', async () => {
    const { processor, applied, letters } = setup({});
    const batch = new FakeBatch([message('{not json'), update(9, 5, 5)]);
    await processor.process(batch);
    expect(letters.map((l) => l.message.offset)).toEqual([batch.messages[0]?.offset]);
    expect(letters[0]?.error).toMatchObject({ retriable: false });
    expect(applied[0]?.keys).toContain('product:9');
    expect(batch.resolved).toEqual([batch.messages[1]?.offset]);
  });

  it('retries a failed dead-letter produce before resolving: a bad message is never dropped', async () => {
    let failures = 2;
    const { processor, letters } = setup({
      send: () => (failures-- > 0 ? Promise.reject(transient()) : Promise.resolve()),
    });
    const batch = new FakeBatch([message('[1,2]')]);
    await processor.process(batch);
    expect(letters).toHaveLength(1);
    expect(batch.resolved).toEqual([batch.messages[0]?.offset]);
  });

  it('acknowledges tombstones, heartbeats and unmapped tables without invalidating', async () => {
    const outcomes: string[] = [];
    const observer: BatchObserver = {
      ...silentObserver,
      outcome: (o) => outcomes.push(o.kind === 'ignore' ? o.reason : o.kind),
    };
    const { processor, applied } = setup({ observer });
    const heartbeat = { ...message('{"ts_ms":1}'), topic: '__debezium-heartbeat.catalog' };
    const batch = new FakeBatch([message(null), heartbeat, update(1, 2, 2, 'unmapped')]);
    await processor.process(batch);
    expect(outcomes).toEqual(['tombstone', 'heartbeat', 'unmapped']);
    expect(applied).toEqual([]);
    expect(batch.resolved).toEqual([batch.messages[2]?.offset]);
  });

  it('retries a transient cascade lookup and merges the related rows', async () => {
    let failures = 1;
    const lookup: CascadeLookup = {
      run: (_sql, params) =>
        failures-- > 0
          ? Promise.reject(transient())
          : Promise.resolve([
              { id: 11n, category_id: params[0] },
              { id: 12n, category_id: params[0] },
            ]),
    };
    const { processor, applied } = setup({ lookup });
    await processor.process(new FakeBatch([update(5, 0, 0, 'categories')]));
    expect(applied[0]?.keys).toEqual([
      'category:5',
      'category:5:products',
      'product:11',
      'product:12',
    ]);
  });

  it('dead-letters an event whose lookup fails for good', async () => {
    const lookup: CascadeLookup = {
      run: () =>
        Promise.reject(new InvalidatorError('LOOKUP_FAILED', 'syntax error', { retriable: false })),
    };
    const { processor, letters } = setup({ lookup });
    await processor.process(new FakeBatch([update(5, 0, 0, 'categories')]));
    expect(letters).toHaveLength(1);
  });

  it('dead-letters only the message whose plan Redis refuses for good, and applies the others', async () => {
    const refused = new InvalidatorError('REDIS_WRONG_TYPE', '__tag:x is not a SET', {
      retriable: false,
    });
    const { processor, applied, letters } = setup({
      apply: (plan) =>
        plan.keys.includes('product:2') ? Promise.reject(refused) : Promise.resolve(),
    });
    const batch = new FakeBatch([update(1, 5, 5), update(2, 6, 6), update(3, 7, 7)]);
    await processor.process(batch);
    expect(letters.map((l) => l.message.offset)).toEqual([batch.messages[1]?.offset]);
    expect(letters[0]?.error).toBe(refused);
    expect(applied.flatMap((p) => p.keys)).toEqual([
      'category:5:products',
      'product:1',
      'category:7:products',
      'product:3',
    ]);
    expect(batch.resolved).toEqual([batch.messages[2]?.offset]);
  });
});
