import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeEntry, encodeEntry } from './cache-entry.js';
import { CacheEntryFormatError } from './cache-keys.errors.js';

describe('entry envelope', () => {
  it('writes versioned entries as #1;<version>;<payload>', () => {
    expect(encodeEntry('{"a":1}', '42')).toBe('#1;42;{"a":1}');
    expect(decodeEntry('#1;42;{"a":1}')).toEqual({ payload: '{"a":1}', version: '42' });
  });

  it('keeps unversioned entries bare, so readers from before versions still read them', () => {
    expect(encodeEntry('{"a":1}', null)).toBe('{"a":1}');
    expect(decodeEntry('{"a":1}')).toEqual({ payload: '{"a":1}', version: null });
  });

  it('envelopes an unversioned payload that starts with # so it cannot be misread', () => {
    expect(encodeEntry('#1;9;x', null)).toBe('#1;;#1;9;x');
    expect(decodeEntry('#1;;#1;9;x')).toEqual({ payload: '#1;9;x', version: null });
  });

  it('round-trips any payload and version', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme' }),
        fc.option(fc.bigInt({ min: 0n, max: 2n ** 64n }).map(String)),
        (payload, version) => {
          const decoded = decodeEntry(encodeEntry(payload, version));
          return decoded.payload === payload && decoded.version === version;
        },
      ),
    );
  });

  it('names what is wrong with a damaged envelope', () => {
    expect(() => decodeEntry('#2;1;x')).toThrow(CacheEntryFormatError);
    expect(() => decodeEntry('#2;1;x')).toThrow(
      expect.objectContaining({ code: 'CACHE_ENTRY_FORMAT', retriable: false }),
    );
    expect(() => decodeEntry('#1;12')).toThrow(/without the ";"/);
    expect(() => decodeEntry('#1;01;x')).toThrow(/not canonical/);
    expect(() => encodeEntry('x', '1.5')).toThrow(/not a canonical version/);
  });
});
