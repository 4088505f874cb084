import { CLUSTER_SLOT_COUNT, keySlot } from './key-slot.js';

const cache = new Map<number, string>();

/**
 * A short hash tag content (`0`-`9`, `a`-`z`) whose slot is `slot`: the first base-36 number, in
 * counting order, that hashes there. Deterministic, so every process derives the same tag; the Lua
 * twin in {@link LEASE_KEY_LUA} enumerates in the same order.
 */
export function slotTagFor(slot: number): string {
  if (!Number.isInteger(slot) || slot < 0 || slot >= CLUSTER_SLOT_COUNT) {
    throw new RangeError(`slot ${slot}: expected an integer in [0, ${CLUSTER_SLOT_COUNT})`);
  }
  const known = cache.get(slot);
  if (known !== undefined) return known;
  for (let n = 0; ; n += 1) {
    const candidate = n.toString(36);
    if (keySlot(candidate) === slot) {
      cache.set(slot, candidate);
      return candidate;
    }
  }
}
