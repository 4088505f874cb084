import type { BatchObserver } from './batch-observer.js';
import type { PartitionBatch } from './partition-batch-types.js';

interface Entry {
  readonly offset: bigint;
  /** Messages held for dead letters until the entry is done (the memory bound counts them). */
  readonly held: number;
  done: boolean;
  released: boolean;
}

/**
 * The commit watermark of one partition in one epoch: applied chunks in offset order, each done
 * at once or when the sweeps its messages asked for have finished. The committed offset is the
 * last offset of the longest done prefix, so an offset is committed only once everything up to
 * it is applied and swept, and a later chunk waits for an earlier sweep only because a Kafka
 * commit is one number per partition. Commits are coalesced: one in flight, then the latest.
 */
export class PartitionWatermark {
  private readonly entries: Entry[] = [];
  private target: bigint | null = null;
  private committed: bigint | null = null;
  private flushing: Promise<void> | null = null;
  private abandoned = false;
  private commit: PartitionBatch['commit'];
  readonly topic: string;
  readonly partition: number;
  readonly epoch: number;

  constructor(
    batch: Pick<PartitionBatch, 'topic' | 'partition' | 'epoch' | 'commit'>,
    private readonly observer: BatchObserver,
    private readonly onHeldChange: (delta: number) => void,
  ) {
    this.topic = batch.topic;
    this.partition = batch.partition;
    this.epoch = batch.epoch;
    this.commit = (offset) => batch.commit(offset);
  }

  /**
   * Commits through `batch` from now on (the latest batch of the same epoch), and retries a
   * watermark whose commit failed.
   */
  adopt(batch: Pick<PartitionBatch, 'commit'>): void {
    this.commit = (offset) => batch.commit(offset);
    this.startCommitting();
  }

  /**
   * Records an applied chunk ending at `offset`; `waiting` settles when its sweeps are done
   * (resolves) or abandoned (rejects: nothing from this entry on is committed in this epoch).
   */
  add(offset: string, waiting: Promise<void> | null, held: number): void {
    const entry: Entry = { offset: BigInt(offset), held, done: waiting === null, released: false };
    this.entries.push(entry);
    if (held > 0) this.onHeldChange(held);
    if (waiting === null) {
      this.advance();
      return;
    }
    waiting.then(
      () => {
        entry.done = true;
        this.release(entry);
        this.advance();
      },
      () => {
        this.abandoned = true;
        this.release(entry);
      },
    );
  }

  /** Resolves once every commit started so far has settled. */
  async flush(): Promise<void> {
    while (this.flushing !== null) await this.flushing;
  }

  /** Drops the entries (a new epoch took over): their holds are released, nothing more commits. */
  discard(): void {
    this.abandoned = true;
    for (const entry of this.entries) this.release(entry);
    this.entries.length = 0;
  }

  private release(entry: Entry): void {
    if (entry.released || entry.held === 0) return;
    entry.released = true;
    this.onHeldChange(-entry.held);
  }

  private advance(): void {
    if (this.abandoned) return;
    let last: bigint | null = null;
    while (this.entries[0]?.done === true) last = this.entries.shift()?.offset ?? last;
    if (last === null) return;
    this.target = last;
    this.startCommitting();
  }

  private startCommitting(): void {
    if (this.abandoned || this.target === null || this.target === this.committed) return;
    this.flushing ??= this.commitLoop().finally(() => {
      this.flushing = null;
    });
  }

  private async commitLoop(): Promise<void> {
    while (this.target !== null && this.target !== this.committed && !this.abandoned) {
      const offset = this.target;
      try {
        await this.commit(offset.toString());
      } catch (error) {
        // Retried with the next batch (or redelivered after a restart: never lost).
        this.observer.commitFailed(this.topic, this.partition, String(offset), error);
        return;
      }
      this.committed = offset;
      this.observer.progress('committed', this.topic, this.partition, String(offset));
    }
  }
}
