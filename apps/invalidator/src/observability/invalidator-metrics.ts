import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** One assigned partition and whether it is stalled. */
export interface PartitionStall {
  readonly topic: string;
  readonly partition: number;
  readonly stalled: boolean;
}

/** The service's Prometheus metrics, on a registry of its own (process metrics included). */
export class InvalidatorMetrics {
  readonly registry = new Registry();

  readonly events = new Counter({
    name: 'invalidator_events_total',
    help: 'Messages processed, by entity, operation and outcome (invalidated, ignored, dead_lettered).',
    labelNames: ['entity', 'op', 'outcome', 'reason'] as const,
    registers: [this.registry],
  });
  readonly invalidated = new Counter({
    name: 'invalidator_invalidated_total',
    help: 'Distinct keys, tags, namespaces and patterns applied (per chunk), and keys found through tags and patterns.',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });
  readonly lag = new Histogram({
    name: 'invalidator_invalidation_lag_seconds',
    help: 'From the change commit in the database (source.ts_ms) to the Redis acknowledgement.',
    // Fine around a second, the staleness budget most users set.
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10, 30, 60, 300],
    registers: [this.registry],
  });
  readonly chunkDuration = new Histogram({
    name: 'invalidator_batch_duration_seconds',
    help: 'Time to process one chunk of a batch: decode, rules, lookups, Redis, dead letters; retries included.',
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
    registers: [this.registry],
  });
  readonly consumerLag = new Gauge({
    name: 'invalidator_consumer_lag',
    help: 'Messages between the last processed offset and the end of the partition.',
    labelNames: ['topic', 'partition'] as const,
    registers: [this.registry],
  });
  readonly retries = new Counter({
    name: 'invalidator_retries_total',
    help: 'Transient failures retried, by operation (redis invalidation, pattern sweep, cascade lookup, dead-letter produce, offset commit).',
    labelNames: ['operation'] as const,
    registers: [this.registry],
  });
  readonly deadLetters = new Counter({
    name: 'invalidator_dead_letters_total',
    help: 'Messages written to the dead-letter topic.',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });
  readonly consistencyChecks = new Counter({
    name: 'invalidator_consistency_checks_total',
    help: 'Online consistency checks of invalidated keys, by window and result (absent, consistent, inconsistent, unknown, dropped).',
    labelNames: ['window', 'result'] as const,
    registers: [this.registry],
  });
  readonly ruleReloads = new Counter({
    name: 'invalidator_rule_reloads_total',
    help: 'Rule reloads, by result (applied, rejected).',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });

  readonly sweepsPending = new Gauge({
    name: 'invalidator_sweeps_pending',
    help: 'Pattern sweeps requested and not finished (running or queued; at most two per pattern).',
    registers: [this.registry],
  });
  readonly sweepDuration = new Histogram({
    name: 'invalidator_sweep_duration_seconds',
    help: 'Time of one pattern sweep (keys and leases, all masters), retries included.',
    buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 120, 300, 600],
    registers: [this.registry],
  });
  /** The partitions `consumerLag` has a series for, to drop those that moved away. */
  private readonly lagSeries = new Set<string>();
  /** Read at each scrape: a stall is the absence of events, so no event could set it. */
  private stallSource: () => readonly PartitionStall[] = () => [];
  readonly partitionStalled: Gauge<'topic' | 'partition'> = new Gauge({
    name: 'invalidator_partition_stalled',
    help: 'Assigned partitions: 1 when pending work made no progress for INVALIDATOR_STALL_TIMEOUT_MS.',
    labelNames: ['topic', 'partition'] as const,
    registers: [this.registry],
    collect: () => {
      this.partitionStalled.reset();
      for (const { topic, partition, stalled } of this.stallSource()) {
        this.partitionStalled.set({ topic, partition: String(partition) }, stalled ? 1 : 0);
      }
    },
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'invalidator_' });
  }

  /** Sets one partition's `invalidator_consumer_lag`. */
  setConsumerLag(topic: string, partition: number, lag: number): void {
    this.lagSeries.add(seriesKey(topic, partition));
    this.consumerLag.set({ topic, partition: String(partition) }, lag);
  }

  /**
   * Drops the lag series of partitions this member no longer owns (after a rebalance), so a
   * moved partition is reported by its new owner only instead of also by a frozen old sample.
   */
  keepConsumerLagOf(assigned: readonly { topic: string; partition: number }[]): void {
    const owned = new Set(assigned.map(({ topic, partition }) => seriesKey(topic, partition)));
    for (const key of this.lagSeries) {
      if (owned.has(key)) continue;
      const [topic = '', partition = ''] = key.split('\u0000');
      this.consumerLag.remove({ topic, partition });
      this.lagSeries.delete(key);
    }
  }

  /** Where `invalidator_partition_stalled` reads the assigned partitions' stall flags. */
  observeStalls(source: () => readonly PartitionStall[]): void {
    this.stallSource = source;
  }
}

function seriesKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}
