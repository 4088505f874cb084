import type { Consumer, ConsumerRunConfig, EachBatchPayload, Kafka } from 'kafkajs';
import { describe, expect, it, vi } from 'vitest';
import type { PartitionBatch } from '#invalidation';
import { KafkaBatchConsumer, type TopicPartition } from './kafka-batch-consumer.js';

const events = {
  GROUP_JOIN: 'consumer.group_join',
  REBALANCING: 'consumer.rebalancing',
  CRASH: 'consumer.crash',
  STOP: 'consumer.stop',
  DISCONNECT: 'consumer.disconnect',
  END_BATCH_PROCESS: 'consumer.end_batch_process',
};

/**
 * A kafkajs consumer that records its options and calls and lets the test emit events and
 * batches; its admin lists `topics`, and `failSubscribes` subscribes after the first fail.
 */
function fakeKafka(cluster: { topics: string[]; failSubscribes?: number } = { topics: [] }) {
  const listeners = new Map<string, ((event: { payload: unknown }) => void)[]>();
  let run: ConsumerRunConfig | undefined;
  let options: Record<string, unknown> = {};
  const calls: string[] = [];
  let subscribes = 0;
  const consumer = {
    events,
    on: (name: string, listener: (event: { payload: unknown }) => void) => {
      listeners.set(name, [...(listeners.get(name) ?? []), listener]);
      return () => undefined;
    },
    connect: () => Promise.resolve(),
    subscribe: ({ topics }: { topics: (string | RegExp)[] }) => {
      calls.push(`subscribe ${topics.map(String).join(',')}`);
      subscribes += 1;
      if (subscribes > 1 && (cluster.failSubscribes ?? 0) > 0) {
        cluster.failSubscribes = (cluster.failSubscribes ?? 0) - 1;
        return Promise.reject(new Error('metadata unavailable'));
      }
      return Promise.resolve();
    },
    run: (config: ConsumerRunConfig) => {
      calls.push('run');
      run = config;
      return Promise.resolve();
    },
    stop: () => {
      calls.push('stop');
      return Promise.resolve();
    },
    disconnect: () => {
      calls.push('disconnect');
      return Promise.resolve();
    },
  };
  const admin = {
    connect: () => Promise.resolve(),
    listTopics: () => Promise.resolve([...cluster.topics]),
    disconnect: () => {
      calls.push('admin disconnect');
      return Promise.resolve();
    },
  };
  let admins = 0;
  const kafka = {
    consumer: (config: Record<string, unknown>) => {
      options = config;
      return consumer as unknown as Consumer;
    },
    admin: () => {
      admins += 1;
      return admin;
    },
  } as unknown as Kafka;
  return {
    kafka,
    calls,
    admins: () => admins,
    options: () => options,
    run: () => run,
    emit: (name: string, payload: unknown) => {
      for (const listener of listeners.get(name) ?? []) listener({ payload });
    },
  };
}

function payload(overrides: Partial<EachBatchPayload> = {}) {
  const commits: unknown[] = [];
  const value = {
    batch: {
      topic: 't',
      partition: 2,
      messages: [
        { offset: '41', key: null, value: Buffer.from('{}'), headers: {}, timestamp: '0' },
      ],
    },
    resolveOffset: () => undefined,
    commitOffsetsIfNecessary: (offsets?: unknown) => {
      commits.push(offsets);
      return Promise.resolve();
    },
    heartbeat: () => Promise.resolve(),
    isRunning: () => true,
    isStale: () => false,
    ...overrides,
  } as unknown as EachBatchPayload;
  return { value, commits };
}

async function started() {
  const fake = fakeKafka();
  const assigned: (readonly TopicPartition[])[] = [];
  const lags: number[] = [];
  const consumer = new KafkaBatchConsumer(
    fake.kafka,
    { groupId: 'g', topics: ['t'] },
    { assigned: (p) => assigned.push(p), lag: (_t, _p, lag) => lags.push(lag) },
  );
  const batches: PartitionBatch[] = [];
  await consumer.start((batch) => {
    batches.push(batch);
    return Promise.resolve();
  });
  const deliver = async (p: EachBatchPayload) => {
    await fake.run()?.eachBatch?.(p);
    const batch = batches.at(-1);
    if (batch === undefined) throw new Error('no batch handed over');
    return batch;
  };
  return { fake, consumer, assigned, lags, deliver };
}

describe('KafkaBatchConsumer', () => {
  it('turns auto-commit off, waits 1 s per fetch, and defaults the session to 10 s', async () => {
    const { fake } = await started();
    expect(fake.run()).toMatchObject({ autoCommit: false, eachBatchAutoResolve: false });
    expect(fake.options()).toMatchObject({ sessionTimeout: 10_000, maxWaitTimeInMs: 1_000 });
  });

  it('commits the offset after the one applied, as Kafka expects', async () => {
    const { deliver } = await started();
    const { value, commits } = payload();
    const batch = await deliver(value);
    await batch.commit('41');
    expect(commits).toEqual([
      { topics: [{ topic: 't', partitions: [{ partition: 2, offset: '42' }] }] },
    ]);
  });

  it('commits nothing for a batch of an earlier generation, which is stale', async () => {
    const { fake, deliver, assigned } = await started();
    const { value, commits } = payload();
    const batch = await deliver(value);
    fake.emit(events.GROUP_JOIN, { memberAssignment: { t: [0, 1] } });
    await batch.commit('41');
    expect(commits).toEqual([]);
    expect(batch.isStale()).toBe(true);
    expect(assigned).toEqual([
      [
        { topic: 't', partition: 0 },
        { topic: 't', partition: 1 },
      ],
    ]);
  });

  it('makes the batch stale when a heartbeat finds a rebalance, and rethrows anything else', async () => {
    const { deliver } = await started();
    const rebalance = Object.assign(new Error('rebalancing'), { type: 'REBALANCE_IN_PROGRESS' });
    const batch = await deliver(payload({ heartbeat: () => Promise.reject(rebalance) }).value);
    await batch.heartbeat();
    expect(batch.isStale()).toBe(true);
    const broken = new Error('connection reset');
    const other = await deliver(payload({ heartbeat: () => Promise.reject(broken) }).value);
    await expect(other.heartbeat()).rejects.toBe(broken);
    expect(other.isStale()).toBe(false);
  });

  it("reports consumer lag from kafkajs's END_BATCH_PROCESS event", async () => {
    const { fake, lags } = await started();
    fake.emit(events.END_BATCH_PROCESS, { topic: 't', partition: 0, offsetLag: '17' });
    expect(lags).toEqual([17]);
  });

  describe('with a topic pattern', () => {
    const waitOptions = { timeout: 5_000, interval: 5 };

    it('subscribes to a matching topic created while running, by stopping and running again', async () => {
      const cluster = { topics: ['cdc.a', 'other'] };
      const fake = fakeKafka(cluster);
      const added: (readonly string[])[] = [];
      const consumer = new KafkaBatchConsumer(
        fake.kafka,
        { groupId: 'g', topics: [/^cdc\./], topicRefreshIntervalMs: 5 },
        { topicsAdded: (topics) => added.push(topics) },
      );
      await consumer.start(() => Promise.resolve());
      expect(fake.calls).toEqual(['subscribe /^cdc\\./', 'run']);
      cluster.topics.push('cdc.b', 'other2');
      await vi.waitFor(() => {
        expect(fake.calls.slice(2)).toEqual(['stop', 'subscribe cdc.b', 'run']);
      }, waitOptions);
      expect(added).toEqual([['cdc.b']]);
      await consumer.stop();
      expect(fake.calls.slice(5)).toEqual(['disconnect', 'admin disconnect']);
    });

    it('runs again on what it had when subscribing fails, and retries the topic later', async () => {
      const cluster = { topics: ['cdc.a'], failSubscribes: 1 };
      const fake = fakeKafka(cluster);
      const failures: unknown[] = [];
      const consumer = new KafkaBatchConsumer(
        fake.kafka,
        { groupId: 'g', topics: [/^cdc\./], topicRefreshIntervalMs: 5 },
        { topicWatchFailed: (error) => failures.push(error) },
      );
      await consumer.start(() => Promise.resolve());
      cluster.topics.push('cdc.b');
      await vi.waitFor(() => {
        expect(fake.calls.slice(2)).toEqual([
          'stop',
          'subscribe cdc.b',
          'run',
          'stop',
          'subscribe cdc.b',
          'run',
        ]);
      }, waitOptions);
      expect(failures).toHaveLength(1);
      await consumer.stop();
    });

    it('does not watch a list of names, or a pattern with the watch turned off', async () => {
      for (const config of [
        { groupId: 'g', topics: ['cdc.a'], topicRefreshIntervalMs: 5 },
        { groupId: 'g', topics: [/^cdc\./], topicRefreshIntervalMs: 0 },
      ]) {
        const fake = fakeKafka({ topics: ['cdc.a'] });
        const consumer = new KafkaBatchConsumer(fake.kafka, config);
        await consumer.start(() => Promise.resolve());
        await consumer.stop();
        expect(fake.admins()).toBe(0);
        expect(fake.calls.slice(2)).toEqual(['disconnect']);
      }
    });
  });
});
