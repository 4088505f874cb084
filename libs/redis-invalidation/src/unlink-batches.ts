import { leaseKeyFor } from '#cache-keys';

/** Splits `items` into consecutive chunks of at most `size` items. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  if (!Number.isInteger(size) || size < 1)
    throw new RangeError(`chunk size ${size}: expected >= 1`);
  const chunks: T[][] = [];
  for (let start = 0; start < items.length; start += size) {
    chunks.push(items.slice(start, start + size));
  }
  return chunks;
}

/** One `UNLINK`: its arguments all live in `slot` (undefined on standalone Redis). */
export interface UnlinkBatch {
  slot: number | undefined;
  keys: string[];
}

/** How {@link planUnlinkBatches} cuts the work. */
export interface UnlinkPlanOptions {
  /** Cache keys per `UNLINK`; with their leases a command carries twice as many arguments. */
  batchSize: number;
  /** The cluster slot of a key; omit on standalone Redis, where any keys may share a command. */
  slotOf?: (key: string) => number;
  /** Unlink each key's lease with it. @default true */
  withLeases?: boolean;
}

/**
 * The `UNLINK` commands that delete `keys` (deduplicated) and, by default, their leases: in a
 * cluster one slot per command (multi-key commands across slots fail with CROSSSLOT), since a
 * lease shares its key's slot it always rides in the key's command.
 */
export function planUnlinkBatches(
  keys: Iterable<string>,
  options: UnlinkPlanOptions,
): UnlinkBatch[] {
  const bySlot = new Map<number | undefined, string[]>();
  for (const key of new Set(keys)) {
    const slot = options.slotOf?.(key);
    let group = bySlot.get(slot);
    if (group === undefined) {
      group = [];
      bySlot.set(slot, group);
    }
    group.push(key);
  }
  const batches: UnlinkBatch[] = [];
  for (const [slot, group] of bySlot) {
    for (const part of chunk(group, options.batchSize)) {
      batches.push({ slot, keys: options.withLeases === false ? part : withLeases(part) });
    }
  }
  return batches;
}

/** Each key followed by its lease, without a pair array per key. */
function withLeases(keys: readonly string[]): string[] {
  const args = new Array<string>(keys.length * 2);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    args[2 * i] = key;
    args[2 * i + 1] = leaseKeyFor(key);
  }
  return args;
}

/**
 * Groups batches by the node serving their slot, so each node gets one pipeline. Batches whose
 * node is unknown (slot map not loaded yet) are grouped under `undefined`.
 */
export function groupByNode<B extends { slot: number | undefined }>(
  batches: readonly B[],
  nodeOf: (slot: number) => string | undefined,
): Map<string | undefined, B[]> {
  const byNode = new Map<string | undefined, B[]>();
  for (const batch of batches) {
    const node = batch.slot === undefined ? undefined : nodeOf(batch.slot);
    let group = byNode.get(node);
    if (group === undefined) {
      group = [];
      byNode.set(node, group);
    }
    group.push(batch);
  }
  return byNode;
}
