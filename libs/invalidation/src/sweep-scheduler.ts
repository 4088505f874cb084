import type { InvalidationCounts } from './invalidation-plan.js';
import { BackoffPolicy, retry, RetryAbortedError } from '#retry';
import type { BatchObserver } from './batch-observer.js';
import { coalescePlans } from './message-outcome.js';
import type { InvalidationApplier } from './partition-batch-types.js';

/** The scheduler's collaborators. */
export interface SweepSchedulerDeps {
  readonly applier: InvalidationApplier;
  readonly backoff: BackoffPolicy;
  readonly observer: BatchObserver;
  /** @default Date.now */
  readonly clock?: () => number;
}

interface Ticket {
  readonly done: Promise<void>;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

interface PatternState {
  running: Ticket;
  /** The one sweep waiting for the running one; every later request joins it. */
  queued: Ticket | null;
}

/**
 * Runs pattern sweeps off the processing path, coalesced per pattern: one sweep running and at
 * most one queued, whatever the number of requests. A request is satisfied by a sweep that
 * started after it: the queued one when a sweep is already running (the running one may have
 * passed keys that were refilled since). Transient failures are retried with backoff until
 * {@link close}; memory is two tickets per distinct pattern in flight.
 */
export class SweepScheduler {
  private readonly patterns = new Map<string, PatternState>();
  private readonly abort = new AbortController();
  private readonly clock: () => number;

  constructor(private readonly deps: SweepSchedulerDeps) {
    this.clock = deps.clock ?? Date.now;
  }

  /** Sweeps running or queued. */
  get pending(): number {
    let count = 0;
    for (const state of this.patterns.values()) count += state.queued === null ? 1 : 2;
    return count;
  }

  /**
   * Resolves once a sweep of `pattern` that started after this call has finished. Rejects with
   * the sweep's error when Redis refuses it for good, or with a `RetryAbortedError` once closed.
   */
  request(pattern: string): Promise<void> {
    if (this.abort.signal.aborted) {
      return Promise.reject(new RetryAbortedError('pattern sweep', 0, undefined));
    }
    const state = this.patterns.get(pattern);
    if (state === undefined) {
      const running = ticket();
      this.patterns.set(pattern, { running, queued: null });
      this.start(pattern, running);
      this.deps.observer.sweepsPending(this.pending);
      return running.done;
    }
    if (state.queued === null) {
      state.queued = ticket();
      this.deps.observer.sweepsPending(this.pending);
    }
    return state.queued.done;
  }

  /** Stops every sweep at its next page; their requests reject, so their offsets stay uncommitted. */
  close(): void {
    this.abort.abort();
    const aborted = new RetryAbortedError('pattern sweep', 0, undefined);
    for (const state of this.patterns.values()) {
      state.running.reject(aborted);
      state.queued?.reject(aborted);
    }
    this.patterns.clear();
    this.deps.observer.sweepsPending(0);
  }

  private start(pattern: string, running: Ticket): void {
    void this.run(pattern).then(
      () => {
        running.resolve();
        this.next(pattern);
      },
      (error: unknown) => {
        running.reject(error);
        this.next(pattern);
      },
    );
  }

  private next(pattern: string): void {
    const state = this.patterns.get(pattern);
    if (state === undefined) return;
    if (state.queued === null) {
      this.patterns.delete(pattern);
    } else {
      state.running = state.queued;
      state.queued = null;
      this.start(pattern, state.running);
    }
    this.deps.observer.sweepsPending(this.pending);
  }

  private async run(pattern: string): Promise<void> {
    const started = this.clock();
    const signal = this.abort.signal;
    const plan = { ...coalescePlans([]), patterns: [pattern] };
    try {
      const counts: InvalidationCounts = await retry(
        () => this.deps.applier.apply(plan, { signal }),
        {
          operation: 'pattern sweep',
          backoff: this.deps.backoff,
          signal,
          onRetry: (error, attempt, delayMs) => {
            this.deps.observer.redisHealthy(false);
            this.deps.observer.retrying('pattern sweep', error, attempt, delayMs);
          },
        },
      );
      this.deps.observer.redisHealthy(true);
      this.deps.observer.swept(pattern, this.clock() - started, counts);
    } catch (error) {
      if (signal.aborted) throw new RetryAbortedError('pattern sweep', 0, error);
      this.deps.observer.swept(pattern, this.clock() - started, { error });
      throw error;
    }
  }
}

function ticket(): Ticket {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const done = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // A ticket nobody awaits any more (closed) must not surface as an unhandled rejection.
  done.catch(() => undefined);
  return { done, resolve, reject };
}
