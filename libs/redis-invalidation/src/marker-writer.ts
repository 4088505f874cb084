import { createHash } from 'node:crypto';
import {
  keySlot,
  leaseKeyFor,
  markerKeyFor,
  VERSION_COMPARE_LUA,
  type KeyVersion,
} from '#cache-keys';
import {
  execPipeline,
  isCluster,
  isNoScript,
  type RedisClient,
  settleAll,
  sumReplies,
} from '#redis';
import { chunk, groupByNode } from './unlink-batches.js';

/** Tuning of {@link MarkerWriter}. */
export interface MarkerWriterOptions {
  /**
   * Leave markers for versioned keys. Off: versioned keys are unlinked like the others (the
   * audit's "versions without markers" run). @default true
   */
  enabled?: boolean;
  /** How long a marker refuses older fills; keep it above the worst replica lag. @default 60000 */
  ttlMs?: number;
  /** Keys per script call (each brings its lease and marker). @default 250 */
  batchSize?: number;
  /** Script calls sent per pipeline round trip to one node. @default 100 */
  pipelineDepth?: number;
}

/** Defaults of {@link MarkerWriterOptions}, written once. */
export const MARKER_DEFAULTS = {
  enabled: true,
  ttlMs: 60_000,
  batchSize: 250,
  pipelineDepth: 100,
} as const;

/**
 * KEYS: triples (entry, lease, marker), all in one slot. ARGV[1]: marker ms; ARGV[1 + n]: the
 * version (canonical text) of triple n. Unlinks entry and lease, and leaves the marker holding
 * the newest of its old and new versions, living ARGV[1] ms from now. One script, so no reader
 * can take a lease between the unlink and the marker. Replies the number of keys removed.
 */
const SOURCE = `${VERSION_COMPARE_LUA}
local removed = 0
for i = 1, #KEYS, 3 do
  removed = removed + redis.call('UNLINK', KEYS[i], KEYS[i + 1])
  local version = ARGV[(i + 2) / 3 + 1]
  local old = redis.call('GET', KEYS[i + 2])
  if old and not version_older(old, version) then version = old end
  redis.call('SET', KEYS[i + 2], version, 'PX', ARGV[1])
end
return removed
`;
const SHA = createHash('sha1').update(SOURCE).digest('hex');

interface MarkerBatch {
  readonly slot: number | undefined;
  readonly items: readonly KeyVersion[];
}

/**
 * Deletes versioned keys with their leases and leaves an invalidation marker beside each
 * (`markerKeyFor`, same slot), atomically per batch. A marker only ever moves to a newer version,
 * so replays and out-of-order chunks are harmless; it expires after `ttlMs`, so markers are
 * bounded by the keys invalidated in the last `ttlMs` (see docs/cache-protocol.md).
 */
export class MarkerWriter {
  /** Whether markers are written at all ({@link MarkerWriterOptions.enabled}). */
  readonly enabled: boolean;
  private readonly ttlMs: number;
  private readonly batchSize: number;
  private readonly pipelineDepth: number;

  constructor(
    private readonly client: RedisClient,
    options: MarkerWriterOptions = {},
  ) {
    this.enabled = options.enabled ?? MARKER_DEFAULTS.enabled;
    this.ttlMs = options.ttlMs ?? MARKER_DEFAULTS.ttlMs;
    this.batchSize = options.batchSize ?? MARKER_DEFAULTS.batchSize;
    this.pipelineDepth = options.pipelineDepth ?? MARKER_DEFAULTS.pipelineDepth;
    if (!Number.isInteger(this.ttlMs) || this.ttlMs < 1) {
      throw new RangeError(`marker ttlMs ${this.ttlMs}: expected a positive integer`);
    }
  }

  /** Unlinks each key and its lease and marks it with its version; replies the keys removed. */
  async markAndUnlink(versions: readonly KeyVersion[]): Promise<number> {
    if (versions.length === 0) return 0;
    const client = this.client;
    const batches = this.plan(versions);
    const groups = isCluster(client)
      ? [...groupByNode(batches, (slot) => client.slots[slot]?.[0])]
      : [['standalone', batches] as const];
    const removed = await settleAll(
      groups.map(([node, group]) =>
        node === undefined ? this.oneByOne(group) : this.onOneNode(group),
      ),
      'UNLINK+marker',
    );
    return removed.reduce((a, b) => a + b, 0);
  }

  private plan(versions: readonly KeyVersion[]): MarkerBatch[] {
    const bySlot = new Map<number | undefined, KeyVersion[]>();
    const cluster = isCluster(this.client);
    for (const item of versions) {
      const slot = cluster ? keySlot(item.key) : undefined;
      const group = bySlot.get(slot) ?? [];
      if (group.length === 0) bySlot.set(slot, group);
      group.push(item);
    }
    return [...bySlot].flatMap(([slot, group]) =>
      chunk(group, this.batchSize).map((items) => ({ slot, items })),
    );
  }

  private async onOneNode(batches: readonly MarkerBatch[]): Promise<number> {
    let removed = 0;
    for (const round of chunk(batches, this.pipelineDepth)) {
      const pipeline = this.client.pipeline();
      for (const batch of round) pipeline.evalsha(SHA, ...this.args(batch));
      try {
        removed += sumReplies(await execPipeline(pipeline, 'UNLINK+marker'));
      } catch (error) {
        // NOSCRIPT (a restarted or new node): EVAL loads it; every step is idempotent to redo.
        if (!isNoScript(error)) throw error;
        removed += await this.oneByOne(round);
      }
    }
    return removed;
  }

  // Slots missing from the client's map, or a script cache to load: one EVAL each, routed by ioredis.
  private async oneByOne(batches: readonly MarkerBatch[]): Promise<number> {
    const replies = await Promise.all(
      batches.map((batch) => this.client.eval(SOURCE, ...this.args(batch))),
    );
    return sumReplies(replies);
  }

  private args(batch: MarkerBatch): [number, ...(string | number)[]] {
    const keys = batch.items.flatMap(({ key }) => [key, leaseKeyFor(key), markerKeyFor(key)]);
    return [keys.length, ...keys, this.ttlMs, ...batch.items.map((item) => item.version)];
  }
}
