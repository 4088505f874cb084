import { keySlot, leaseKeyFor } from '#cache-keys';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chunk, groupByNode, planUnlinkBatches } from './unlink-batches.js';

describe('chunk', () => {
  it('cuts in order, the last chunk shorter', () => {
    expect(chunk([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect(chunk([], 3)).toEqual([]);
  });

  it('rejects a size below one', () => {
    expect(() => chunk([1], 0)).toThrow(RangeError);
  });
});

describe('planUnlinkBatches', () => {
  it('pairs each key with its lease and dedupes on standalone', () => {
    const batches = planUnlinkBatches(['a', 'b', 'a', 'c'], { batchSize: 2 });
    expect(batches).toEqual([
      { slot: undefined, keys: ['a', leaseKeyFor('a'), 'b', leaseKeyFor('b')] },
      { slot: undefined, keys: ['c', leaseKeyFor('c')] },
    ]);
  });

  it('leaves leases out when asked', () => {
    expect(planUnlinkBatches(['x', 'y'], { batchSize: 5, withLeases: false })).toEqual([
      { slot: undefined, keys: ['x', 'y'] },
    ]);
  });

  it('groups by the given slot function', () => {
    const fakeSlot = (key: string): number => key.length;
    const batches = planUnlinkBatches(['aa', 'b', 'cc', 'dd'], {
      batchSize: 10,
      slotOf: fakeSlot,
      withLeases: false,
    });
    expect(batches).toEqual([
      { slot: 2, keys: ['aa', 'cc', 'dd'] },
      { slot: 1, keys: ['b'] },
    ]);
  });

  it('in a cluster, every command stays in one slot and every key appears once with its lease', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.string(), fc.constantFrom('{t}a', '{t}b', 'x{t}', '{}', '}{')), {
          maxLength: 60,
        }),
        fc.integer({ min: 1, max: 7 }),
        (keys, batchSize) => {
          const batches = planUnlinkBatches(keys, { batchSize, slotOf: keySlot });
          const sent = batches.flatMap((b) => b.keys);
          const expected = [...new Set(keys)].flatMap((k) => [k, leaseKeyFor(k)]);
          expect(new Set(sent)).toEqual(new Set(expected));
          expect(sent).toHaveLength(expected.length);
          for (const batch of batches) {
            expect(batch.keys.length).toBeLessThanOrEqual(2 * batchSize);
            for (const key of batch.keys) expect(keySlot(key)).toBe(batch.slot);
          }
        },
      ),
    );
  });
});

describe('groupByNode', () => {
  it('routes batches to the node of their slot, unknown slots apart', () => {
    const nodes: Record<number, string> = { 1: 'n1', 2: 'n2', 3: 'n1' };
    const grouped = groupByNode(
      [{ slot: 1 }, { slot: 2 }, { slot: 3 }, { slot: 9 }, { slot: undefined }],
      (slot) => nodes[slot],
    );
    expect(grouped.get('n1')).toEqual([{ slot: 1 }, { slot: 3 }]);
    expect(grouped.get('n2')).toEqual([{ slot: 2 }]);
    expect(grouped.get(undefined)).toEqual([{ slot: 9 }, { slot: undefined }]);
  });
});
