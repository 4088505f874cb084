import type { InvalidationCounts, InvalidationPlan } from '#redis-invalidation';
import { isRetriable } from '#errors';
import { BackoffPolicy, retry, RetryAbortedError } from '#retry';
import type { RuleSet } from '#rules';
import type { BatchObserver } from './batch.observer.js';
import { coalescePlans, isEmptyPlan, type MessageOutcome } from './message-outcome.js';
import type { MessagePreparer } from './message.preparer.js';
import type {
  ConsumedMessage,
  DeadLetterSink,
  InvalidationApplier,
  PartitionBatch,
} from './partition-batch.types.js';

/** Tuning of {@link PartitionBatchProcessor}. */
export interface PartitionBatchProcessorOptions {
  /**
   * Messages prepared and applied together: their keys, tags and patterns are coalesced, applied
   * once, and their offsets resolved together. @default 500
   */
  readonly chunkSize?: number;
}

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
}

const noCounts: InvalidationCounts = {
  keys: 0,
  tags: 0,
  tagMembers: 0,
  namespaces: 0,
  patterns: 0,
  patternMatches: 0,
  removed: 0,
};

/**
 * Processes one partition's batch in order, chunk by chunk: prepare every message, apply the
 * coalesced plan to Redis, send dead letters, and only then resolve the chunk's last offset.
 * Transient failures are retried (with backoff) for as long as the batch is wanted; when it no
 * longer is (shutdown, rebalance) processing stops without resolving, so the unapplied messages
 * are delivered again.
 */
export class PartitionBatchProcessor {
  private readonly chunkSize: number;
  private readonly clock: () => number;

  constructor(
    private readonly deps: PartitionBatchProcessorDeps,
    options: PartitionBatchProcessorOptions = {},
  ) {
    this.chunkSize = options.chunkSize ?? 500;
    this.clock = deps.clock ?? Date.now;
  }

  /** Resolves when the batch is done or abandoned; rejects only on a bug. */
  async process(batch: PartitionBatch): Promise<void> {
    const wanted = () => batch.isRunning() && !batch.isStale();
    for (let start = 0; start < batch.messages.length; start += this.chunkSize) {
      if (!wanted()) return;
      const chunk = batch.messages.slice(start, start + this.chunkSize);
      try {
        await this.processChunk(batch, chunk, wanted);
      } catch (error) {
        if (error instanceof RetryAbortedError) return;
        throw error;
      }
    }
  }

  private async processChunk(
    batch: PartitionBatch,
    chunk: readonly ConsumedMessage[],
    wanted: () => boolean,
  ): Promise<void> {
    const last = chunk.at(-1);
    if (last === undefined) return;
    const started = this.clock();
    const ruleSet = this.deps.rules();
    const onRetry = (operation: string) => (error: unknown, attempt: number, delayMs: number) => {
      this.deps.observer.retrying(operation, error, attempt, delayMs);
      void batch.heartbeat().catch(() => undefined);
    };
    const outcomes = await Promise.all(
      chunk.map((message) =>
        this.deps.preparer.prepare(message, {
          ruleSet,
          shouldContinue: wanted,
          onRetry: onRetry('cascade lookup'),
        }),
      ),
    );
    const { counts, outcomes: applied } = await this.applyPlans(
      outcomes,
      wanted,
      onRetry('redis invalidation'),
    );
    const lagMs = this.commitLags(applied);
    await this.sendDeadLetters(applied, wanted, onRetry('dead-letter produce'));
    batch.resolveOffset(last.offset);
    this.deps.observer.applied(counts, this.clock() - started, lagMs);
    for (const outcome of applied) this.deps.observer.outcome(outcome);
    await batch.commit();
    await batch.heartbeat();
  }

  /**
   * Applies the chunk's coalesced plan. When Redis refuses it for good (a tag key of the wrong
   * type, a missing permission), the messages are applied one by one so that only those whose
   * own plan fails become dead letters and the rest are still invalidated.
   */
  private async applyPlans(
    outcomes: readonly MessageOutcome[],
    wanted: () => boolean,
    onRetry: (error: unknown, attempt: number, delayMs: number) => void,
  ): Promise<{ counts: InvalidationCounts; outcomes: readonly MessageOutcome[] }> {
    const plan = coalescePlans(outcomes.flatMap((o) => (o.kind === 'invalidate' ? [o.plan] : [])));
    if (isEmptyPlan(plan)) return { counts: noCounts, outcomes };
    try {
      return { counts: await this.applyWithRetry(plan, wanted, onRetry), outcomes };
    } catch (error) {
      if (error instanceof RetryAbortedError || isRetriable(error)) throw error;
    }
    let counts = noCounts;
    const separated: MessageOutcome[] = [];
    for (const outcome of outcomes) {
      if (outcome.kind !== 'invalidate') {
        separated.push(outcome);
        continue;
      }
      try {
        counts = addCounts(counts, await this.applyWithRetry(outcome.plan, wanted, onRetry));
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
    onRetry: (error: unknown, attempt: number, delayMs: number) => void,
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
    onRetry: (error: unknown, attempt: number, delayMs: number) => void,
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
