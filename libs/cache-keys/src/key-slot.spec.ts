import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import calculateSlot from 'cluster-key-slot';
import { crc16, hashedPartOf, keySlot } from './key-slot.js';

// Recorded from `redis-cli -p 57001 CLUSTER KEYSLOT <key>` on Redis 7.0.15.
const RECORDED_SLOTS: readonly (readonly [string, number])[] = [
  ['', 0],
  ['foo', 12182],
  ['123456789', 12739],
  ['product:42', 12456],
  ['{user1000}.following', 3443],
  ['{user1000}.followers', 3443],
  ['foo{}{bar}', 8363],
  ['foo{{bar}}zap', 4015],
  ['foo{bar}{zap}', 5061],
  ['{}', 15257],
  ['}{', 12793],
  ['a}b{c}', 7365],
  ['héllo', 11061],
  ['日本語', 12788],
  ['emoji😀', 3827],
  ['cat:{7}:list', 1716],
  ['x{y', 2740],
  ['__lease:{product:42}:product:42', 12456],
];

const braceHeavy = fc.string({
  unit: fc.constantFrom('{', '}', 'a', 'b', ':', 'é', '日'),
  maxLength: 12,
});

describe('keySlot', () => {
  it.each(RECORDED_SLOTS)('matches CLUSTER KEYSLOT for %j', (key, slot) => {
    expect(keySlot(key)).toBe(slot);
  });

  it('is CRC16/XMODEM (check value 0x31C3 for "123456789")', () => {
    expect(crc16('123456789')).toBe(0x31c3);
  });

  it('hashes only the first non-empty {tag}', () => {
    expect(hashedPartOf('a{b}c{d}')).toBe('b');
    expect(hashedPartOf('a{}c{d}')).toBe('a{}c{d}');
    expect(hashedPartOf('{{x}}')).toBe('{x');
    expect(hashedPartOf('no tag')).toBe('no tag');
    expect(hashedPartOf('open{only')).toBe('open{only');
  });

  it('puts keys with the same tag in the same slot whatever surrounds it', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 8 }).filter((s) => !s.includes('{')),
        fc.string({ minLength: 1, maxLength: 8 }).filter((s) => !s.includes('}')),
        braceHeavy,
        (before, tag, after) => keySlot(`${before}{${tag}}${after}`) === keySlot(tag),
      ),
    );
  });

  it('always returns a slot in [0, 16384)', () => {
    fc.assert(
      fc.property(fc.oneof(braceHeavy, fc.string({ unit: 'grapheme' })), (key) => {
        const slot = keySlot(key);
        return Number.isInteger(slot) && slot >= 0 && slot < 16384;
      }),
    );
  });
});

// ioredis routes commands with `cluster-key-slot`. We group UNLINKs by slot with our own
// function because that package disagrees with Redis on keys whose first `{}` is empty and is
// followed by another brace: `foo{}{bar}` is slot 8363 for Redis (recorded above) but 4015 for it.
describe('keySlot against cluster-key-slot (what ioredis uses)', () => {
  it('agrees on every key without an empty {} before another brace', () => {
    fc.assert(
      fc.property(fc.oneof(braceHeavy, fc.string({ unit: 'grapheme' })), (key) => {
        fc.pre(!/\{\}.*[{}]/s.test(key));
        return keySlot(key) === calculateSlot(key);
      }),
      { numRuns: 2000 },
    );
  });

  it('differs where the package is wrong, and we match Redis there', () => {
    expect(calculateSlot('foo{}{bar}')).toBe(4015);
    expect(keySlot('foo{}{bar}')).toBe(8363);
    expect(calculateSlot('{}}')).not.toBe(keySlot('{}}'));
  });
});
