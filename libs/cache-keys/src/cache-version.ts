/**
 * Versions of cached data, shared by the invalidator (markers) and the cache client (entries).
 *
 * On the wire a version is its canonical text: a non-negative decimal integer without leading
 * zeros (`0`, `42`, `1764681600123456`), at most {@link MAX_VERSION_DIGITS} digits. Two versions
 * compare by length, then by text, which is exact for any size (no float rounding of 64-bit
 * integers or microsecond timestamps) and is what the Lua scripts do.
 */

import { CacheVersionError } from './cache-keys.errors.js';

/** Longest canonical version text accepted (a 64-bit integer has at most 20 digits). */
export const MAX_VERSION_DIGITS = 30;

/** A cache key and the version of the change that made it stale (canonical text). */
export interface KeyVersion {
  readonly key: string;
  readonly version: string;
}

/** What a loader or a row may report as a version. */
export type CacheVersionInput = bigint | number | string;

const CANONICAL = /^(?:0|[1-9][0-9]*)$/;
const DIGITS = /^[0-9]+$/;
// `2026-12-02T13:20:00.123456Z`, `2026-12-02 13:20:00.123456+00`, `...+05:30`, or no zone (UTC).
const TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}(?::?\d{2})?)?$/;

/**
 * The canonical text of a version: integers (bigint, safe-integer number, or decimal text) as
 * they are; timestamps (ISO 8601 or PostgreSQL text, with or without zone; no zone means UTC) as
 * microseconds since the epoch, exactly. Digits beyond microseconds are refused rather than
 * rounded, so two clocks can never disagree on the same instant.
 *
 * @throws CacheVersionError for negatives, fractions, unsafe numbers and anything else.
 */
export function toCacheVersion(value: CacheVersionInput): string {
  if (typeof value === 'bigint') return fromBigint(value, value);
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) {
      throw new CacheVersionError(
        value,
        'expected a safe integer (use bigint or text beyond 2^53)',
      );
    }
    return fromBigint(BigInt(value), value);
  }
  if (DIGITS.test(value)) return fromBigint(BigInt(value), value);
  const micros = timestampMicros(value);
  if (micros === null) {
    throw new CacheVersionError(
      value,
      'expected a non-negative integer or a timestamp such as "2026-12-02T13:20:00.123456Z"',
    );
  }
  return fromBigint(micros, value);
}

/** True when `text` is a canonical version text. */
export function isCacheVersion(text: string): boolean {
  return text.length <= MAX_VERSION_DIGITS && CANONICAL.test(text);
}

/** Orders two canonical version texts: negative when `a` is older than `b`. */
export function compareVersions(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The newer of two canonical versions. */
export function newerVersion(a: string, b: string): string {
  return compareVersions(a, b) >= 0 ? a : b;
}

function fromBigint(n: bigint, original: unknown): string {
  if (n < 0n) throw new CacheVersionError(original, 'expected a non-negative version');
  const text = n.toString();
  if (text.length > MAX_VERSION_DIGITS) {
    throw new CacheVersionError(original, `expected at most ${MAX_VERSION_DIGITS} digits`);
  }
  return text;
}

function timestampMicros(text: string): bigint | null {
  const match = TIMESTAMP.exec(text);
  if (match === null) return null;
  const [, year, month, day, hour, minute, second, fraction = '', zone = 'Z'] = match;
  if (fraction.length > 6 && !/^0+$/.test(fraction.slice(6))) return null;
  const ms = Date.UTC(
    Number(year),
    Number(month) - 1,
    Number(day),
    Number(hour),
    Number(minute),
    Number(second),
  );
  if (Number.isNaN(ms)) return null;
  const micros = BigInt(ms) * 1000n + BigInt(fraction.slice(0, 6).padEnd(6, '0'));
  return micros - BigInt(zoneOffsetMinutes(zone)) * 60_000_000n;
}

function zoneOffsetMinutes(zone: string): number {
  if (zone === 'Z') return 0;
  const sign = zone.startsWith('-') ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  return sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || '0'));
}
