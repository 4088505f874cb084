import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CacheVersionError } from './cache-keys.errors.js';
import { compareVersions, isCacheVersion, newerVersion, toCacheVersion } from './cache-version.js';

describe('toCacheVersion', () => {
  it('keeps integers exact beyond 2^53', () => {
    expect(toCacheVersion(9007199254740993n)).toBe('9007199254740993');
    expect(toCacheVersion('18446744073709551615')).toBe('18446744073709551615');
    expect(toCacheVersion(42)).toBe('42');
    expect(toCacheVersion('007')).toBe('7');
  });

  it('reads Debezium and PostgreSQL timestamps as exact microseconds', () => {
    const micros = '1764681600123456'; // 2025-12-02T13:20:00.123456Z
    expect(toCacheVersion('2025-12-02T13:20:00.123456Z')).toBe(micros);
    expect(toCacheVersion('2025-12-02 13:20:00.123456+00')).toBe(micros);
    expect(toCacheVersion('2025-12-02 14:20:00.123456+01:00')).toBe(micros);
    expect(toCacheVersion('2025-12-02 13:20:00.123456')).toBe(micros);
    expect(toCacheVersion('2025-12-02T13:20:00.123456000Z')).toBe(micros);
    expect(toCacheVersion('2025-12-02T13:20:00Z')).toBe('1764681600000000');
    expect(toCacheVersion('2025-12-02T13:20:00.5Z')).toBe('1764681600500000');
  });

  it('refuses what it cannot compare exactly', () => {
    for (const bad of [-1, 1.5, 2 ** 60, -1n, 'abc', '1.5', '2025-12-02T13:20:00.1234567Z', '']) {
      expect(() => toCacheVersion(bad)).toThrow(CacheVersionError);
    }
    expect(() => toCacheVersion(10n ** 31n)).toThrow(/at most 30 digits/);
    expect(() => toCacheVersion(-1)).toThrow(
      expect.objectContaining({ code: 'CACHE_VERSION_INVALID', retriable: false }),
    );
  });
});

describe('compareVersions', () => {
  it('orders canonical texts like the integers they spell', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 2n ** 80n }),
        fc.bigInt({ min: 0n, max: 2n ** 80n }),
        (a, b) => {
          const order = Math.sign(compareVersions(toCacheVersion(a), toCacheVersion(b)));
          return order === (a < b ? -1 : a > b ? 1 : 0);
        },
      ),
    );
  });

  it('picks the newer and recognises canonical text', () => {
    expect(newerVersion('9', '10')).toBe('10');
    expect(isCacheVersion('10')).toBe(true);
    expect(isCacheVersion('010')).toBe(false);
    expect(isCacheVersion('1'.repeat(31))).toBe(false);
  });
});
