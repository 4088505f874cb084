import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  escapeGlob,
  isInternalKey,
  LEASE_KEY_PREFIX,
  leaseKeyFor,
  leasePatternFor,
  namespacedKey,
  namespaceKeyFor,
  markerKeyFor,
  tagSetKeyFor,
} from './cache-key-names.js';
import { keySlot } from './key-slot.js';
import { slotTagFor } from './slot-tag.js';

const braceHeavy = fc.string({
  unit: fc.constantFrom('{', '}', 'a', 'b', ':', 'é', '😀'),
  maxLength: 12,
});
const anyKey = fc.oneof(braceHeavy, fc.string({ unit: 'grapheme', maxLength: 30 }));

/** Reads the key back out of a lease key, the inverse the doc promises. */
function keyOfLease(lease: string): string {
  const rest = lease.slice(LEASE_KEY_PREFIX.length + 1);
  return rest.slice(rest.indexOf('}') + 2);
}

describe('leaseKeyFor', () => {
  it('keeps readable names for ordinary keys', () => {
    expect(leaseKeyFor('product:42')).toBe('__lease:{product:42}:product:42');
    expect(leaseKeyFor('cat:{7}:list')).toBe('__lease:{7}:cat:{7}:list');
    expect(leaseKeyFor('x{y')).toBe('__lease:{x{y}:x{y');
  });

  it('uses a same-slot stand-in when the hashed part cannot sit between braces', () => {
    expect(leaseKeyFor('a}b')).toBe(`__lease:{${slotTagFor(keySlot('a}b'))}}:a}b`);
    expect(leaseKeyFor('')).toBe(`__lease:{${slotTagFor(0)}}:`);
  });

  it('shares the slot of its key, hash tags or not', () => {
    fc.assert(fc.property(anyKey, (key) => keySlot(leaseKeyFor(key)) === keySlot(key)));
  });

  it('is injective: the key can be read back', () => {
    fc.assert(fc.property(anyKey, (key) => keyOfLease(leaseKeyFor(key)) === key));
  });

  it('prefixes the pattern with the lease glob', () => {
    expect(leasePatternFor('product:*')).toBe('__lease:{*}:product:*');
  });
});

describe('markerKeyFor', () => {
  it('names the marker beside the lease, in the same slot', () => {
    expect(markerKeyFor('product:42')).toBe('__inv:{product:42}:product:42');
    fc.assert(fc.property(anyKey, (key) => keySlot(markerKeyFor(key)) === keySlot(key)));
    fc.assert(fc.property(anyKey, (key) => markerKeyFor(key) !== leaseKeyFor(key)));
  });
});

describe('tagSetKeyFor', () => {
  it('prefixes the tag', () => {
    expect(tagSetKeyFor('category:7')).toBe('__tag:category:7');
    expect(tagSetKeyFor('a')).not.toBe(tagSetKeyFor('b'));
  });
});

describe('escapeGlob', () => {
  it('escapes every glob special and nothing else', () => {
    expect(escapeGlob('a*b?c[d]e\\f{g}:h')).toBe('a\\*b\\?c\\[d\\]e\\\\f{g}:h');
    expect(escapeGlob('plain:key')).toBe('plain:key');
  });
});

describe('isInternalKey', () => {
  it('recognises every lease and tag-set key, and no ordinary key', () => {
    fc.assert(
      fc.property(anyKey, (key) => {
        expect(isInternalKey(leaseKeyFor(key))).toBe(true);
        expect(isInternalKey(tagSetKeyFor(key))).toBe(true);
        expect(isInternalKey(namespaceKeyFor(key))).toBe(true);
      }),
    );
    expect(isInternalKey('product:42')).toBe(false);
    expect(isInternalKey('x__lease:1')).toBe(false);
    expect(isInternalKey('__leases')).toBe(false);
  });
});

describe('namespace names', () => {
  it('keeps counters under __ns: and builds <namespace>:g<generation>:<key>', () => {
    expect(namespaceKeyFor('search')).toBe('__ns:search');
    expect(namespacedKey('search', 42, 'q:shoes')).toBe('search:g42:q:shoes');
    expect(namespacedKey('search', 0, 'q:shoes')).toBe('search:g0:q:shoes');
  });

  it('never gives two generations of a namespace the same key name', () => {
    fc.assert(
      fc.property(anyKey, anyKey, fc.nat(), fc.nat(), (ns, key, a, b) => {
        fc.pre(a !== b);
        expect(namespacedKey(ns, a, key)).not.toBe(namespacedKey(ns, b, key));
      }),
    );
  });
});
