import { describe, expect, it } from 'vitest';
import { InvalidatorError } from '#errors';
import type { InvalidationPlan } from './invalidation-plan.js';
import { BackoffPolicy } from '#retry';
import { compileRules, type CascadeLookup, type RuleSet } from '#rules';
import { silentObserver, type BatchObserver } from './batch-observer.js';
import { MessagePreparer } from './message-preparer.js';
import { PartitionBatchProcessor, type IntervalTimer } from './partition-batch-processor.js';
import type { ConsumedMessage, DeadLetter, PartitionBatch } from './partition-batch-types.js';

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
  committed: string[] = [];
  heartbeats = 0;
  running = true;
  stale = false;
  constructor(
    readonly messages: ConsumedMessage[],
    readonly epoch = 1,
  ) {}
  resolveOffset(offset: string) {
    this.resolved.push(offset);
  }
  commit = (offset: string) => {
    this.committed.push(offset);
    return Promise.resolve();
  };
  heartbeat = () => {
    this.heartbeats += 1;
    return Promise.resolve();
  };
  isRunning = () => this.running;
  isStale = () => this.stale;
}

const transient = () =>
  new InvalidatorError('REDIS_UNAVAILABLE', 'connection refused', { retriable: true });
const noLookup: CascadeLookup = { run: () => Promise.reject(new Error('no lookups expected')) };
const instant = new BackoffPolicy({ initialDelayMs: 0, maxDelayMs: 0 });

function setup(options: {
  apply?: (plan: InvalidationPlan, signal: AbortSignal | undefined) => Promise<void>;
  send?: (letters: readonly DeadLetter[]) => Promise<void>;
  lookup?: CascadeLookup;
  observer?: BatchObserver;
  chunkSize?: number;
  rules?: RuleSet;
  timer?: IntervalTimer;
  maxMessagesAwaitingSweeps?: number;
}) {
  const applied: InvalidationPlan[] = [];
  const letters: DeadLetter[] = [];
  const processor = new PartitionBatchProcessor(
    {
      rules: () => options.rules ?? ruleSet,
      preparer: new MessagePreparer(options.lookup ?? noLookup, instant),
      applier: {
        apply: async (plan, applyOptions) => {
          await options.apply?.(plan, applyOptions?.signal);
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
      ...(options.timer === undefined ? {} : { timer: options.timer }),
    },
    {
      chunkSize: options.chunkSize ?? 500,
      ...(options.maxMessagesAwaitingSweeps === undefined
        ? {}
        : { maxMessagesAwaitingSweeps: options.maxMessagesAwaitingSweeps }),
    },
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
    expect(batch.committed).toEqual([batch.messages[2]?.offset]);
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
    expect(batch.committed).toEqual([]);
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
      outcomes: (chunk) => {
        for (const o of chunk) outcomes.push(o.kind === 'ignore' ? o.reason : o.kind);
      },
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

/** Product updates ask for a sweep of `search:*`; category updates only for a key. */
const sweepRules = compileRules([
  {
    path: 'rules/sweeps.yaml',
    text: `
version: 1
entities:
  product: { table: public.products }
  category: { table: public.categories }
rules:
  - name: product-pages
    on: [product.updated]
    invalidate:
      - key: "product:{id}"
      - pattern: "search:*"
  - name: category-pages
    on: [category.updated]
    invalidate:
      - key: "category:{id}"
`,
  },
]);
const productUpdate = (id: number) => update(id, 1, 1);
const categoryUpdate = (id: number) => update(id, 0, 0, 'categories');

interface Deferred {
  readonly promise: Promise<void>;
  resolve(): void;
  reject(error: unknown): void;
}
function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets every pending callback run: a few turns of the event loop, no waiting on time. */
async function settle(): Promise<void> {
  for (let i = 0; i < 10; i += 1) await new Promise((resolve) => setImmediate(resolve));
}

/** A pattern sweep the test finishes by hand; key/tag plans apply at once. */
function controlledSweeps() {
  const sweeps: { pattern: string; done: Deferred; signal: AbortSignal | undefined }[] = [];
  const apply = (plan: InvalidationPlan, signal: AbortSignal | undefined): Promise<void> => {
    const pattern = plan.patterns[0];
    if (pattern === undefined) return Promise.resolve();
    expect(plan.keys).toEqual([]);
    const done = deferred();
    sweeps.push({ pattern, done, signal });
    return done.promise;
  };
  return { sweeps, apply };
}

/** A fake interval timer: the test fires the ticks. */
function manualTimer() {
  const ticks = new Set<() => void>();
  const timer: IntervalTimer = (_ms, tick) => {
    ticks.add(tick);
    return () => ticks.delete(tick);
  };
  return {
    timer,
    fire: () => {
      for (const tick of ticks) tick();
    },
    get active() {
      return ticks.size;
    },
  };
}

describe('PartitionBatchProcessor: patterns off the hot path', () => {
  it('resolves later chunks while a sweep runs, and commits them only once it finished', async () => {
    const { sweeps, apply } = controlledSweeps();
    const { processor, applied } = setup({ rules: sweepRules, apply, chunkSize: 1 });
    const batch = new FakeBatch([productUpdate(1), categoryUpdate(2), categoryUpdate(3)]);
    await processor.process(batch);
    expect(applied.flatMap((p) => p.keys)).toEqual(['product:1', 'category:2', 'category:3']);
    expect(batch.resolved).toEqual(batch.messages.map((m) => m.offset));
    expect(sweeps.map((s) => s.pattern)).toEqual(['search:*']);
    expect(batch.committed).toEqual([]);
    sweeps[0]?.done.resolve();
    await settle();
    expect(batch.committed).toEqual([batch.messages[2]?.offset]);
  });

  it('commits the chunks before the first one waiting on a sweep at once', async () => {
    const { sweeps, apply } = controlledSweeps();
    const { processor } = setup({ rules: sweepRules, apply, chunkSize: 1 });
    const batch = new FakeBatch([categoryUpdate(1), productUpdate(2), categoryUpdate(3)]);
    await processor.process(batch);
    expect(batch.committed).toEqual([batch.messages[0]?.offset]);
    sweeps[0]?.done.resolve();
    await settle();
    expect(batch.committed).toEqual([batch.messages[0]?.offset, batch.messages[2]?.offset]);
  });

  it('coalesces sweeps of one pattern: one running, one queued, whatever the requests', async () => {
    const { sweeps, apply } = controlledSweeps();
    const pending: number[] = [];
    const observer = { ...silentObserver, sweepsPending: (n: number) => pending.push(n) };
    const { processor } = setup({ rules: sweepRules, apply, chunkSize: 1, observer });
    const first = new FakeBatch([productUpdate(1)]);
    await processor.process(first);
    const later = new FakeBatch([productUpdate(2), productUpdate(3), productUpdate(4)]);
    await processor.process(later);
    expect(sweeps).toHaveLength(1);
    expect(pending.at(-1)).toBe(2);
    // The running sweep started before the later events: it satisfies only the first.
    // Commits go through the partition's latest batch.
    sweeps[0]?.done.resolve();
    await settle();
    expect(later.committed).toEqual([first.messages[0]?.offset]);
    expect(sweeps).toHaveLength(2);
    sweeps[1]?.done.resolve();
    await settle();
    expect(later.committed[0]).toBe(first.messages[0]?.offset);
    expect(later.committed.at(-1)).toBe(later.messages[2]?.offset);
    expect(sweeps).toHaveLength(2);
    expect(pending.at(-1)).toBe(0);
  });

  it('retries a sweep Redis refuses for now, and commits once it went through', async () => {
    let failures = 2;
    const { processor } = setup({
      rules: sweepRules,
      apply: (plan) =>
        plan.patterns.length > 0 && failures-- > 0
          ? Promise.reject(transient())
          : Promise.resolve(),
    });
    const batch = new FakeBatch([productUpdate(1)]);
    await processor.process(batch);
    for (let turn = 0; turn < 100 && batch.committed.length === 0; turn += 1) await settle();
    expect(failures).toBe(-1);
    expect(batch.committed).toEqual([batch.messages[0]?.offset]);
  });

  it('dead-letters the messages whose sweep Redis refuses for good, then commits', async () => {
    const refused = new InvalidatorError('REDIS_COMMAND_FAILED', 'NOPERM', { retriable: false });
    const { sweeps, apply } = controlledSweeps();
    const { processor, letters } = setup({ rules: sweepRules, apply, chunkSize: 2 });
    const batch = new FakeBatch([productUpdate(1), categoryUpdate(2), productUpdate(3)]);
    await processor.process(batch);
    sweeps[0]?.done.reject(refused);
    await settle();
    sweeps[1]?.done.reject(refused);
    await settle();
    expect(letters.map((l) => l.message.offset)).toEqual([
      batch.messages[0]?.offset,
      batch.messages[2]?.offset,
    ]);
    expect(letters[0]?.error).toBe(refused);
    expect(batch.committed).toEqual([batch.messages[1]?.offset, batch.messages[2]?.offset]);
  });

  it('on close, aborts the running sweep and never commits the offsets waiting on it', async () => {
    const { sweeps, apply } = controlledSweeps();
    const { processor } = setup({ rules: sweepRules, apply });
    const batch = new FakeBatch([productUpdate(1)]);
    await processor.process(batch);
    processor.close();
    expect(sweeps[0]?.signal?.aborted).toBe(true);
    sweeps[0]?.done.resolve();
    await settle();
    expect(batch.committed).toEqual([]);
    expect(processor.messagesAwaitingSweeps).toBe(0);
  });

  it('forgets the waiting offsets of an earlier epoch (rebalance): they are redelivered', async () => {
    const { sweeps, apply } = controlledSweeps();
    const { processor } = setup({ rules: sweepRules, apply });
    const before = new FakeBatch([productUpdate(1)], 1);
    await processor.process(before);
    const after = new FakeBatch([categoryUpdate(2)], 2);
    await processor.process(after);
    expect(after.committed).toEqual([after.messages[0]?.offset]);
    sweeps[0]?.done.resolve();
    await settle();
    expect(before.committed).toEqual([]);
  });

  it('bounds the messages waiting on sweeps: a batch waits, heartbeating, for room', async () => {
    const { sweeps, apply } = controlledSweeps();
    const clock = manualTimer();
    const { processor } = setup({
      rules: sweepRules,
      apply,
      chunkSize: 1,
      maxMessagesAwaitingSweeps: 1,
      timer: clock.timer,
    });
    const batch = new FakeBatch([productUpdate(1), productUpdate(2), productUpdate(3)]);
    let finished = false;
    const processing = processor.process(batch).then(() => (finished = true));
    await settle();
    expect(batch.resolved).toEqual([batch.messages[0]?.offset, batch.messages[1]?.offset]);
    expect(processor.messagesAwaitingSweeps).toBe(2);
    clock.fire();
    expect(batch.heartbeats).toBe(1);
    expect(finished).toBe(false);
    sweeps[0]?.done.resolve();
    await settle();
    sweeps[1]?.done.resolve();
    await processing;
    expect(batch.resolved).toHaveLength(3);
  });
});

describe('PartitionBatchProcessor: commits', () => {
  it('retries a failed commit with the next batch of the partition', async () => {
    const failures: string[] = [];
    const observer = {
      ...silentObserver,
      commitFailed: (_t: string, _p: number, o: string) => failures.push(o),
    };
    const { processor } = setup({ observer });
    const first = new FakeBatch([update(1, 5, 5)]);
    first.commit = () => Promise.reject(transient());
    await processor.process(first);
    expect(failures).toEqual([first.messages[0]?.offset]);
    const next = new FakeBatch([message(null)]);
    await processor.process(next);
    expect(next.committed).toEqual([first.messages[0]?.offset, next.messages[0]?.offset]);
  });
});

describe('PartitionBatchProcessor: heartbeats and overlapped stages', () => {
  it('heartbeats while a chunk is in flight, and stops the timer after the batch', async () => {
    const clock = manualTimer();
    const slow = deferred();
    const { processor } = setup({ apply: () => slow.promise, timer: clock.timer });
    const batch = new FakeBatch([update(1, 5, 5)]);
    const processing = processor.process(batch);
    await settle();
    clock.fire();
    clock.fire();
    expect(batch.heartbeats).toBe(2);
    expect(batch.resolved).toEqual([]);
    slow.resolve();
    await processing;
    expect(clock.active).toBe(0);
  });

  it('stops at the chunk boundary without resolving once a heartbeat found a rebalance', async () => {
    const clock = manualTimer();
    const slow = deferred();
    const { processor } = setup({ apply: () => slow.promise, timer: clock.timer, chunkSize: 1 });
    const batch = new FakeBatch([update(1, 5, 5), update(2, 5, 5)]);
    batch.heartbeat = () => {
      batch.stale = true;
      return Promise.resolve();
    };
    const processing = processor.process(batch);
    await settle();
    clock.fire();
    slow.resolve();
    await processing;
    expect(batch.resolved).toEqual([]);
    expect(batch.committed).toEqual([]);
  });

  it("prepares the next chunk while this one's deletes are in flight, resolving in order", async () => {
    const events: string[] = [];
    const firstApply = deferred();
    const lookup: CascadeLookup = {
      run: () => {
        events.push('lookup of chunk 2');
        return Promise.resolve([]);
      },
    };
    const { processor } = setup({
      chunkSize: 1,
      lookup,
      apply: (plan) => {
        events.push(`apply ${plan.keys.join(' ')}`);
        return plan.keys.includes('product:1') ? firstApply.promise : Promise.resolve();
      },
    });
    const batch = new FakeBatch([update(1, 5, 5), update(7, 0, 0, 'categories')]);
    batch.resolveOffset = (offset) => events.push(`resolve ${offset}`);
    const processing = processor.process(batch);
    await settle();
    expect(events.sort()).toEqual(['apply category:5:products product:1', 'lookup of chunk 2']);
    firstApply.resolve();
    await processing;
    expect(events.slice(2)).toEqual([
      `resolve ${batch.messages[0]?.offset}`,
      'apply category:7',
      `resolve ${batch.messages[1]?.offset}`,
    ]);
  });
});
