import { createHash } from 'node:crypto';
import { keySlot, LEASE_KEY_LUA } from '#cache-keys';
import {
  execPipeline,
  isCluster,
  isNoScript,
  type RedisClient,
  settleAll,
  sumReplies,
} from '#redis';
import { chunk, groupByNode, planUnlinkBatches, type UnlinkBatch } from './unlink-batches.js';

/** Tuning of {@link KeyDeleter}. */
export interface KeyDeleterOptions {
  /** Cache keys per command (each key's lease goes with it). @default 250 */
  batchSize?: number;
  /** Commands sent per pipeline round trip to one node. @default 100 */
  pipelineDepth?: number;
}

/** Result of {@link KeyDeleter.unlink}. */
export interface UnlinkResult {
  /** Distinct cache keys asked for (leases not counted). */
  requested: number;
  /** Keys that existed and were removed, leases included (the sum of the UNLINK replies). */
  removed: number;
}

// UNLINK of KEYS and of each one's lease, derived here rather than sent: every argument costs the
// client its encoding (about half of a key's CPU in the service), and a lease is in its key's slot,
// so the script touches one slot only. Replies the UNLINK count.
const UNLINK_WITH_LEASES_SCRIPT = `${LEASE_KEY_LUA}
local doomed = {}
for _, key in ipairs(KEYS) do
  doomed[#doomed + 1] = key
  doomed[#doomed + 1] = lease_key_for(key)
end
return redis.call('UNLINK', unpack(doomed))
`;
const UNLINK_WITH_LEASES_SHA = createHash('sha1').update(UNLINK_WITH_LEASES_SCRIPT).digest('hex');

/**
 * Deletes cache keys and their leases with `UNLINK` (freeing memory off the main thread), many keys
 * per command: a script that adds each key's lease server-side, or a plain `UNLINK` without
 * leases. In a cluster, keys are grouped by hash slot (one slot per command, else CROSSSLOT), then
 * by the node serving the slot, and each node gets its own pipelines, all nodes in parallel.
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

  /** Unlinks `keys` and, unless `withLeases` is false, their lease keys. */
  async unlink(keys: Iterable<string>, withLeases = true): Promise<UnlinkResult> {
    const client = this.client;
    // The plan deduplicates: each distinct key is requested once. Leases are added by the script.
    const batches = planUnlinkBatches(keys, {
      batchSize: this.batchSize,
      withLeases: false,
      ...(isCluster(client) ? { slotOf: keySlot } : {}),
    });
    if (batches.length === 0) return { requested: 0, removed: 0 };
    let requested = 0;
    for (const batch of batches) requested += batch.keys.length;
    const groups = isCluster(client)
      ? [...groupByNode(batches, (slot) => client.slots[slot]?.[0])]
      : [['standalone', batches] as const];
    const removed = await settleAll(
      groups.map(([node, group]) =>
        node === undefined
          ? this.unlinkOneByOne(group, withLeases)
          : this.unlinkOnOneNode(group, withLeases),
      ),
      'UNLINK',
    );
    return { requested, removed: removed.reduce((a, b) => a + b, 0) };
  }

  // Slots missing from the client's map (a failover in progress), or a script cache to load: one
  // command each, so ioredis routes and redirects them itself instead of rejecting a pipeline that
  // spans nodes; EVAL loads the script where it is missing.
  private async unlinkOneByOne(
    batches: readonly UnlinkBatch[],
    withLeases: boolean,
  ): Promise<number> {
    const replies = await Promise.all(
      batches.map((batch) =>
        withLeases
          ? this.client.eval(UNLINK_WITH_LEASES_SCRIPT, batch.keys.length, ...batch.keys)
          : this.client.unlink(...batch.keys),
      ),
    );
    return sumReplies(replies);
  }

  // Batches of one group share a node, which the cluster pipeline requires; rounds stay sequential
  // so one node never has more than `pipelineDepth` of our commands queued.
  private async unlinkOnOneNode(
    batches: readonly UnlinkBatch[],
    withLeases: boolean,
  ): Promise<number> {
    let removed = 0;
    for (const round of chunk(batches, this.pipelineDepth)) {
      const pipeline = this.client.pipeline();
      for (const { keys } of round) {
        if (withLeases) pipeline.evalsha(UNLINK_WITH_LEASES_SHA, keys.length, ...keys);
        else pipeline.unlink(...keys);
      }
      try {
        removed += sumReplies(await execPipeline(pipeline, 'UNLINK'));
      } catch (error) {
        // NOSCRIPT (a restarted, new or flushed node): deleting again is harmless.
        if (!isNoScript(error)) throw error;
        removed += await this.unlinkOneByOne(round, withLeases);
      }
    }
    return removed;
  }
}
