import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { keySlot } from './key-slot.js';
import { slotTagFor } from './slot-tag.js';

describe('slotTagFor', () => {
  it('returns a brace-free tag of the requested slot', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 16383 }), (slot) => {
        const tag = slotTagFor(slot);
        return keySlot(tag) === slot && /^[0-9a-z]+$/.test(tag);
      }),
    );
  });

  it('is the first base-36 number of that slot (what the Lua twin computes)', () => {
    const tag = slotTagFor(keySlot('7'));
    expect(tag).toBe('7');
    const n = parseInt(slotTagFor(12182), 36);
    for (let i = 0; i < n; i += 1) expect(keySlot(i.toString(36))).not.toBe(12182);
  });

  it('rejects slots out of range', () => {
    expect(() => slotTagFor(16384)).toThrow(RangeError);
    expect(() => slotTagFor(-1)).toThrow(RangeError);
    expect(() => slotTagFor(1.5)).toThrow(RangeError);
  });
});
