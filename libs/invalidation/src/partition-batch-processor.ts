import type { InvalidationCounts, InvalidationPlan } from './invalidation-plan.js';
import { isRetriable } from '#errors';
import { BackoffPolicy, retry, RetryAbortedError } from '#retry';
import type { RuleSet } from '#rules';
import type { BatchObserver, RetryOperation } from './batch-observer.js';
import { coalescePlans, isEmptyPlan, type MessageOutcome } from './message-outcome.js';
import type { MessagePreparer } from './message-preparer.js';
import type {
  ConsumedMessage,
  DeadLetterSink,
  InvalidationApplier,
  PartitionBatch,
} from './partition-batch-types.js';
import { PartitionWatermark } from './partition-watermark.js';
import { SweepScheduler } from './sweep-scheduler.js';

/** Tuning of {@link PartitionBatchProcessor}. */
export interface PartitionBatchProcessorOptions {
  /**
   * Messages prepared and applied together: their keys and tags are coalesced, applied once, and
   * their offsets resolved together. @default 500
   */
  readonly chunkSize?: number;
  /**
   * How often a batch in flight asks the consumer to heartbeat, whatever step it is in (a big
   * tag, a slow cascade, a retry loop, waiting for sweeps). The consumer sends at most once per
   * its own heartbeat interval, so this only needs to be shorter than that. @default 1000
   */
  readonly heartbeatCheckMs?: number;
  /**
   * Messages applied but waiting for a pattern sweep before their offsets can be committed, over
   * all partitions. Above it, batches wait (heartbeating) for sweeps to finish: this bounds the
   * memory held for sweeps that Redis may refuse (their messages become dead letters).
   * @default 10000
   */
  readonly maxMessagesAwaitingSweeps?: number;
}

/** Defaults of {@link PartitionBatchProcessorOptions}, written once. */
export const PROCESSOR_DEFAULTS = {
  chunkSize: 500,
  heartbeatCheckMs: 1_000,
  maxMessagesAwaitingSweeps: 10_000,
} as const satisfies Required<PartitionBatchProcessorOptions>;

/** Repeats `tick` every `ms` until the returned function is called. */
export type IntervalTimer = (ms: number, tick: () => void) => () => void;

/** The processor's collaborators, all behind ports. */
export interface PartitionBatchProcessorDeps {
  /** The rule set in force; read once per chunk so a reload swaps atomically between chunks. */
  readonly rules: () => RuleSet;
  readonly preparer: MessagePreparer;
  readonly applier: InvalidationApplier;
  readonly deadLetters: DeadLetterSink;
  readonly observer: BatchObserver;
  readonly backoff: BackoffPolicy;
  /** @default Date.now */
  readonly clock?: () => number;
  /** @default setInterval, unref'd */
  readonly timer?: IntervalTimer;
}

interface PreparedChunk {
  readonly messages: readonly ConsumedMessage[];
  readonly outcomes: readonly MessageOutcome[];
  readonly startedMs: number;
}

type OnRetry = (error: unknown, attempt: number, delayMs: number) => void;

const noCounts: InvalidationCounts = {
  keys: 0,
  tags: 0,
  tagMembers: 0,
  namespaces: 0,
  patterns: 0,
  patternMatches: 0,
  removed: 0,
};

const realTimer: IntervalTimer = (ms, tick) => {
  const handle = setInterval(tick, ms);
  handle.unref();
  return () => {
    clearInterval(handle);
  };
};

/**
 * Processes one partition's batch in order, chunk by chunk: prepare every message (the next
 * chunk is prepared while this one's deletes are in flight), apply the coalesced keys and tags,
 * send dead letters, and only then resolve the chunk's last offset so the consumer fetches on.
 * Patterns are swept off this path by a {@link SweepScheduler}; an offset is committed only once
 * everything up to it is applied and every sweep its messages asked for has finished (see
 * {@link PartitionWatermark}). Transient failures are retried (with backoff) for as long as the
 * batch is wanted; when it no longer is (shutdown, rebalance) processing stops without resolving,
 * so the unapplied messages are delivered again. The batch heartbeats throughout.
 */
export class PartitionBatchProcessor {
  private readonly chunkSize: number;
  private readonly heartbeatCheckMs: number;
  private readonly maxAwaiting: number;
  private readonly clock: () => number;
  private readonly timer: IntervalTimer;
  private readonly sweeps: SweepScheduler;
  private readonly watermarks = new Map<string, PartitionWatermark>();
  private awaitingSweeps = 0;
  private wakers: (() => void)[] = [];
  private closed = false;

  constructor(
    private readonly deps: PartitionBatchProcessorDeps,
    options: PartitionBatchProcessorOptions = {},
  ) {
    this.chunkSize = options.chunkSize ?? PROCESSOR_DEFAULTS.chunkSize;
    this.heartbeatCheckMs = options.heartbeatCheckMs ?? PROCESSOR_DEFAULTS.heartbeatCheckMs;
    this.maxAwaiting =
      options.maxMessagesAwaitingSweeps ?? PROCESSOR_DEFAULTS.maxMessagesAwaitingSweeps;
    this.clock = deps.clock ?? Date.now;
    this.timer = deps.timer ?? realTimer;
    this.sweeps = new SweepScheduler({
      applier: deps.applier,
      backoff: deps.backoff,
      observer: deps.observer,
      clock: this.clock,
    });
  }

  /** Messages applied whose offsets wait for a sweep (the memory bound's measure). */
  get messagesAwaitingSweeps(): number {
    return this.awaitingSweeps;
  }

  /** Resolves when the batch is done or abandoned; rejects only on a bug. */
  async process(batch: PartitionBatch): Promise<void> {
    const last = batch.messages.at(-1);
    if (last === undefined || this.closed) return;
    this.deps.observer.progress('received', batch.topic, batch.partition, last.offset);
    const watermark = this.watermarkFor(batch);
    const wanted = () => !this.closed && batch.isRunning() && !batch.isStale();
    const stopHeartbeat = this.timer(this.heartbeatCheckMs, () => {
      void batch.heartbeat().catch(() => undefined);
      if (!wanted()) this.wake();
    });
    try {
      await this.processChunks(batch, watermark, wanted);
    } catch (error) {
      if (!(error instanceof RetryAbortedError)) throw error;
    } finally {
      stopHeartbeat();
    }
    await watermark.flush();
  }

  /**
   * Stops the sweeps at their next page (their offsets stay uncommitted: redelivered, swept
   * again) and every batch at its next step. Call on shutdown, after the consumer stopped.
   */
  close(): void {
    this.closed = true;
    this.sweeps.close();
    this.wake();
  }

  private watermarkFor(batch: PartitionBatch): PartitionWatermark {
    const key = `${batch.topic}\u0000${String(batch.partition)}`;
    const existing = this.watermarks.get(key);
    if (existing?.epoch === batch.epoch) {
      existing.adopt(batch);
      return existing;
    }
    // A rebalance: the consumer fetches again from the committed offset; earlier state is void.
    existing?.discard();
    const watermark = new PartitionWatermark(batch, this.deps.observer, (delta) => {
      this.awaitingSweeps += delta;
      if (delta < 0) this.wake();
    });
    this.watermarks.set(key, watermark);
    return watermark;
  }

  private async processChunks(
    batch: PartitionBatch,
    watermark: PartitionWatermark,
    wanted: () => boolean,
  ): Promise<void> {
    const chunks: ConsumedMessage[][] = [];
    for (let start = 0; start < batch.messages.length; start += this.chunkSize) {
      chunks.push(batch.messages.slice(start, start + this.chunkSize));
    }
    let next = chunks[0] && this.prepare(chunks[0], batch, wanted);
    for (let index = 0; next !== undefined; index += 1) {
      const prepared = await next;
      if (!wanted()) return;
      // Overlap: this chunk's deletes are sent first (ioredis writes them synchronously), then the
      // next chunk decodes and plans while Redis works on them.
      const applying = this.applyChunk(batch, watermark, prepared, wanted);
      const following = chunks[index + 1];
      next = following && this.prepare(following, batch, wanted);
      await applying;
      await this.waitForRoom(wanted);
      if (!wanted()) return;
    }
  }

  private prepare(
    messages: readonly ConsumedMessage[],
    batch: PartitionBatch,
    wanted: () => boolean,
  ): Promise<PreparedChunk> {
    const startedMs = this.clock();
    const ruleSet = this.deps.rules();
    const onRetry = this.onRetry('cascade lookup', batch);
    const prepared = Promise.all(
      messages.map((message) =>
        this.deps.preparer.prepare(message, { ruleSet, shouldContinue: wanted, onRetry }),
      ),
    ).then((outcomes) => ({ messages, outcomes, startedMs }));
    // Abandoned when an earlier chunk stops the batch: its rejection is not an error then.
    prepared.catch(() => undefined);
    return prepared;
  }

  private async applyChunk(
    batch: PartitionBatch,
    watermark: PartitionWatermark,
    prepared: PreparedChunk,
    wanted: () => boolean,
  ): Promise<void> {
    const last = prepared.messages.at(-1);
    if (last === undefined) return;
    const { counts, outcomes } = await this.applyPlans(
      prepared.outcomes,
      wanted,
      this.onRetry('redis invalidation', batch),
    );
    const lagMs = this.commitLags(outcomes);
    await this.sendDeadLetters(outcomes, wanted, this.onRetry('dead-letter produce', batch));
    // Another member may own the partition now: resolve nothing (redelivered, idempotent).
    if (batch.isStale()) return;
    const sweeps = this.requestSweeps(outcomes);
    batch.resolveOffset(last.offset);
    watermark.add(last.offset, sweeps?.done ?? null, sweeps?.held ?? 0);
    this.deps.observer.progress('resolved', batch.topic, batch.partition, last.offset);
    this.deps.observer.applied(counts, this.clock() - prepared.startedMs, lagMs);
    this.deps.observer.outcomes(outcomes);
  }

  /**
   * Applies the chunk's coalesced keys and tags (patterns go to the sweeps). When Redis refuses
   * them for good (a tag key of the wrong type, a missing permission), the messages are applied
   * one by one so that only those whose own plan fails become dead letters.
   */
  private async applyPlans(
    outcomes: readonly MessageOutcome[],
    wanted: () => boolean,
    onRetry: OnRetry,
  ): Promise<{ counts: InvalidationCounts; outcomes: readonly MessageOutcome[] }> {
    const plan = withoutPatterns(
      coalescePlans(outcomes.flatMap((o) => (o.kind === 'invalidate' ? [o.plan] : []))),
    );
    if (isEmptyPlan(plan)) return { counts: noCounts, outcomes };
    try {
      return { counts: await this.applyWithRetry(plan, wanted, onRetry), outcomes };
    } catch (error) {
      if (error instanceof RetryAbortedError || isRetriable(error)) throw error;
    }
    let counts = noCounts;
    const separated: MessageOutcome[] = [];
    for (const outcome of outcomes) {
      const own = outcome.kind === 'invalidate' ? withoutPatterns(outcome.plan) : null;
      if (own === null || isEmptyPlan(own)) {
        separated.push(outcome);
        continue;
      }
      try {
        counts = addCounts(counts, await this.applyWithRetry(own, wanted, onRetry));
        separated.push(outcome);
      } catch (error) {
        if (error instanceof RetryAbortedError || isRetriable(error)) throw error;
        separated.push({ kind: 'dead-letter', message: outcome.message, event: null, error });
      }
    }
    return { counts, outcomes: separated };
  }

  private async applyWithRetry(
    plan: InvalidationPlan,
    wanted: () => boolean,
    onRetry: OnRetry,
  ): Promise<InvalidationCounts> {
    const counts = await retry(() => this.deps.applier.apply(plan), {
      operation: 'redis invalidation',
      backoff: this.deps.backoff,
      shouldContinue: wanted,
      onRetry: (error, attempt, delayMs) => {
        this.deps.observer.redisHealthy(false);
        onRetry(error, attempt, delayMs);
      },
    });
    this.deps.observer.redisHealthy(true);
    return counts;
  }

  /**
   * Asks for the sweeps of the chunk's messages, one request per distinct pattern. A message
   * whose sweep Redis refuses for good becomes a dead letter then; an abandoned sweep (shutdown)
   * rejects, so the chunk's offsets are never committed in this run.
   */
  private requestSweeps(
    outcomes: readonly MessageOutcome[],
  ): { done: Promise<void>; held: number } | null {
    const asking = outcomes.flatMap((o) =>
      o.kind === 'invalidate' && o.plan.patterns.length > 0 ? [o] : [],
    );
    if (asking.length === 0) return null;
    const requests = new Map<string, Promise<void>>();
    const request = (pattern: string): Promise<void> => {
      let requested = requests.get(pattern);
      if (requested === undefined) {
        requested = this.sweeps.request(pattern);
        requests.set(pattern, requested);
      }
      return requested;
    };
    const perMessage = asking.map((outcome) =>
      Promise.all(outcome.plan.patterns.map(request)).then(
        () => undefined,
        (error: unknown) => this.deadLetterAfterSweep(outcome.message, error),
      ),
    );
    return { done: Promise.all(perMessage).then(() => undefined), held: asking.length };
  }

  private async deadLetterAfterSweep(message: ConsumedMessage, error: unknown): Promise<void> {
    if (error instanceof RetryAbortedError || this.closed) throw error;
    await retry(() => this.deps.deadLetters.send([{ message, error }]), {
      operation: 'dead-letter produce',
      backoff: this.deps.backoff,
      shouldContinue: () => !this.closed,
      onRetry: (retryError, attempt, delayMs) => {
        this.deps.observer.retrying('dead-letter produce', retryError, attempt, delayMs);
      },
    });
    this.deps.observer.outcomes([{ kind: 'dead-letter', message, event: null, error }]);
  }

  /** Waits (heartbeating) while too many applied messages wait on sweeps. */
  private async waitForRoom(wanted: () => boolean): Promise<void> {
    while (this.awaitingSweeps > this.maxAwaiting && wanted()) {
      await new Promise<void>((resolve) => this.wakers.push(resolve));
    }
  }

  private wake(): void {
    const wakers = this.wakers;
    this.wakers = [];
    for (const wake of wakers) wake();
  }

  private onRetry(operation: RetryOperation, batch: PartitionBatch): OnRetry {
    return (error, attempt, delayMs) => {
      this.deps.observer.retrying(operation, error, attempt, delayMs);
      void batch.heartbeat().catch(() => undefined);
    };
  }

  private commitLags(outcomes: readonly MessageOutcome[]): number[] {
    const now = this.clock();
    return outcomes.flatMap((o) =>
      o.kind === 'invalidate' && o.committedAtMs !== null
        ? [Math.max(0, now - o.committedAtMs)]
        : [],
    );
  }

  private async sendDeadLetters(
    outcomes: readonly MessageOutcome[],
    wanted: () => boolean,
    onRetry: OnRetry,
  ): Promise<void> {
    const letters = outcomes.flatMap((o) =>
      o.kind === 'dead-letter' ? [{ message: o.message, error: o.error }] : [],
    );
    if (letters.length === 0) return;
    await retry(() => this.deps.deadLetters.send(letters), {
      operation: 'dead-letter produce',
      backoff: this.deps.backoff,
      shouldContinue: wanted,
      onRetry,
    });
  }
}

/** The plan with its patterns left to the sweeps; every other field kept as it is. */
function withoutPatterns(plan: InvalidationPlan): InvalidationPlan {
  return { ...plan, patterns: [] };
}

function addCounts(a: InvalidationCounts, b: InvalidationCounts): InvalidationCounts {
  return {
    keys: a.keys + b.keys,
    tags: a.tags + b.tags,
    tagMembers: a.tagMembers + b.tagMembers,
    namespaces: a.namespaces + b.namespaces,
    patterns: a.patterns + b.patterns,
    patternMatches: a.patternMatches + b.patternMatches,
    removed: a.removed + b.removed,
  };
}
