import { CacheEntryFormatError } from './cache-keys.errors.js';
import { isCacheVersion } from './cache-version.js';

/**
 * The stored form of a cache entry (docs/cache-protocol.md, "Entries"):
 *
 * - `#1;<version>;<payload>` — the envelope: `<version>` is canonical version text, or empty for
 *   an unversioned entry; `<payload>` is the serializer's output, byte for byte.
 * - anything that does not start with `#` — a bare payload, unversioned (what clients wrote
 *   before versions existed, and what they still write for unversioned entries whose payload
 *   does not start with `#`, so old readers keep reading them).
 */
export const ENTRY_ENVELOPE_PREFIX = '#1;';

/** A decoded entry. */
export interface CacheEntry {
  readonly payload: string;
  /** Canonical version text, or null for an unversioned entry. */
  readonly version: string | null;
}

/** The text to store for `payload` with `version` (canonical text, or null). */
export function encodeEntry(payload: string, version: string | null): string {
  if (version === null)
    return payload.startsWith('#') ? `${ENTRY_ENVELOPE_PREFIX};${payload}` : payload;
  if (!isCacheVersion(version))
    throw new CacheEntryFormatError(`"${version}" is not a canonical version`);
  return `${ENTRY_ENVELOPE_PREFIX}${version};${payload}`;
}

/**
 * Reads stored text back.
 * @throws CacheEntryFormatError when it starts with `#` but is not a `#1;` envelope.
 */
export function decodeEntry(stored: string): CacheEntry {
  if (!stored.startsWith('#')) return { payload: stored, version: null };
  if (!stored.startsWith(ENTRY_ENVELOPE_PREFIX)) {
    throw new CacheEntryFormatError(`unknown envelope "${stored.slice(0, 8)}" (expected "#1;")`);
  }
  const end = stored.indexOf(';', ENTRY_ENVELOPE_PREFIX.length);
  if (end === -1) throw new CacheEntryFormatError('envelope without the ";" after its version');
  const version = stored.slice(ENTRY_ENVELOPE_PREFIX.length, end);
  if (version !== '' && !isCacheVersion(version)) {
    throw new CacheEntryFormatError(`version "${version.slice(0, 40)}" is not canonical`);
  }
  return { payload: stored.slice(end + 1), version: version === '' ? null : version };
}
