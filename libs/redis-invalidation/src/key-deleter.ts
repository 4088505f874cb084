import { keySlot } from '#cache-keys';
import { execPipeline, isCluster, type RedisClient, settleAll, sumReplies } from '#redis';
import { chunk, groupByNode, planUnlinkBatches, type UnlinkBatch } from './unlink-batches.js';

/** Tuning of {@link KeyDeleter}. */
export interface KeyDeleterOptions {
  /** Cache keys per `UNLINK` (each brings its lease, so up to twice as many arguments). @default 250 */
  batchSize?: number;
  /** `UNLINK` commands sent per pipeline round trip to one node. @default 100 */
  pipelineDepth?: number;
}

/** Result of {@link KeyDeleter.unlink}. */
export interface UnlinkResult {
  /** Distinct cache keys asked for (leases not counted). */
  requested: number;
  /** Keys that existed and were removed, leases included (the sum of the UNLINK replies). */
  removed: number;
}

/**
 * Deletes cache keys and their leases with `UNLINK` (freeing memory off the main thread), many keys
 * per command. In a cluster, keys are grouped by hash slot (one slot per command, else CROSSSLOT),
 * then by the node serving the slot, and each node gets its own pipelines, all nodes in parallel.
 * Deleting is idempotent, so a retry after a partial failure is safe.
 */
export class KeyDeleter {
  private readonly batchSize: number;
  private readonly pipelineDepth: number;

  constructor(
    private readonly client: RedisClient,
    options: KeyDeleterOptions = {},
  ) {
    this.batchSize = options.batchSize ?? 250;
    this.pipelineDepth = options.pipelineDepth ?? 100;
  }

  /** Unlinks `keys` and their lease keys. */
  async unlink(keys: Iterable<string>, withLeases = true): Promise<UnlinkResult> {
    const client = this.client;
    // The plan deduplicates; its arguments count each distinct key once (twice with its lease).
    const batches = planUnlinkBatches(keys, {
      batchSize: this.batchSize,
      withLeases,
      ...(isCluster(client) ? { slotOf: keySlot } : {}),
    });
    if (batches.length === 0) return { requested: 0, removed: 0 };
    let args = 0;
    for (const batch of batches) args += batch.keys.length;
    const requested = withLeases ? args / 2 : args;
    const groups = isCluster(client)
      ? [...groupByNode(batches, (slot) => client.slots[slot]?.[0])]
      : [['standalone', batches] as const];
    const removed = await settleAll(
      groups.map(([node, group]) =>
        node === undefined ? this.unlinkOneByOne(group) : this.unlinkOnOneNode(group),
      ),
      'UNLINK',
    );
    return { requested, removed: removed.reduce((a, b) => a + b, 0) };
  }

  // Slots missing from the client's map (a failover in progress): one command each, so ioredis
  // routes and redirects them itself instead of rejecting a pipeline that spans nodes.
  private async unlinkOneByOne(batches: readonly UnlinkBatch[]): Promise<number> {
    const replies = await Promise.all(batches.map((batch) => this.client.unlink(...batch.keys)));
    return sumReplies(replies);
  }

  // Batches of one group share a node, which the cluster pipeline requires; rounds stay sequential
  // so one node never has more than `pipelineDepth` of our commands queued.
  private async unlinkOnOneNode(batches: readonly UnlinkBatch[]): Promise<number> {
    let removed = 0;
    for (const round of chunk(batches, this.pipelineDepth)) {
      const pipeline = this.client.pipeline();
      for (const batch of round) pipeline.unlink(...batch.keys);
      removed += sumReplies(await execPipeline(pipeline, 'UNLINK'));
    }
    return removed;
  }
}
