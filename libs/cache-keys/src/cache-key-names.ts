import { hashedPartOf, keySlot } from './key-slot.js';
import { slotTagFor } from './slot-tag.js';

/** Every lease key starts with this; no application key should. */
export const LEASE_KEY_PREFIX = '__lease:';

/** Every tag set key starts with this; no application key should. */
export const TAG_SET_KEY_PREFIX = '__tag:';

/** Every invalidation marker key starts with this; no application key should. */
export const MARKER_KEY_PREFIX = '__inv:';

/** Every namespace generation counter starts with this; no application key should. */
export const NAMESPACE_KEY_PREFIX = '__ns:';

/**
 * The counter holding `namespace`'s current generation. The invalidator bumps it with `INCR`; a
 * missing counter reads as generation 0. It carries no TTL on purpose: an expired (or evicted)
 * counter would restart at an older generation whose entries may still be cached.
 *
 * @example namespaceKeyFor('search') === '__ns:search'
 */
export function namespaceKeyFor(namespace: string): string {
  return `${NAMESPACE_KEY_PREFIX}${namespace}`;
}

/**
 * The name of `key` inside `namespace` at `generation`: `<namespace>:g<generation>:<key>`. After
 * a bump, readers build names with the new generation, so old entries are never read again and
 * leave by their TTL.
 *
 * @example namespacedKey('search', 42, 'q:shoes') === 'search:g42:q:shoes'
 */
export function namespacedKey(namespace: string, generation: number, key: string): string {
  return `${namespace}:g${generation}:${key}`;
}

/**
 * Prefixes of the keys the project itself writes next to an application's entries (leases, tag
 * sets). Whoever adds an internal key kind adds its prefix here, so tools that look at the live
 * keyspace (`invalidator coverage`) skip it.
 */
export const INTERNAL_KEY_PREFIXES: readonly string[] = Object.freeze([
  LEASE_KEY_PREFIX,
  TAG_SET_KEY_PREFIX,
  NAMESPACE_KEY_PREFIX,
  MARKER_KEY_PREFIX,
]);

/**
 * Whether `key` is one of the project's own bookkeeping keys rather than an application entry.
 *
 * @example isInternalKey('__lease:{product:42}:product:42') === true
 * @example isInternalKey('product:42') === false
 */
export function isInternalKey(key: string): boolean {
  return INTERNAL_KEY_PREFIXES.some((prefix) => key.startsWith(prefix));
}

/**
 * The hash tag content that puts a derived key in the same slot as `key`: the key's own hashed
 * part when it can sit between braces (not empty, no `}`), otherwise a {@link slotTagFor} stand-in.
 */
export function sameSlotTagFor(key: string): string {
  const hashed = hashedPartOf(key);
  if (hashed !== '' && !hashed.includes('}')) return hashed;
  return slotTagFor(keySlot(key));
}

/**
 * The lease key a reader takes with `SET NX PX` before filling `key`; the invalidator unlinks it
 * together with `key`, which voids any fill in flight.
 *
 * Form: `__lease:{<tag>}:<key>`, where `<tag>` is the key's hashed part (or a stand-in of the same
 * slot), so the lease always shares `key`'s cluster slot and may go in the same `UNLINK`. The
 * mapping is injective: `<tag>` holds no `}`, so the full key can be read back after `}:`.
 *
 * @example leaseKeyFor('product:42') === '__lease:{product:42}:product:42'
 * @example leaseKeyFor('cat:{7}:list') === '__lease:{7}:cat:{7}:list'
 */
export function leaseKeyFor(key: string): string {
  return `${LEASE_KEY_PREFIX}{${sameSlotTagFor(key)}}:${key}`;
}

/**
 * The invalidation marker the invalidator leaves when it deletes `key` for a versioned change:
 * its value is the change's version (canonical text), and a fill of an older version is refused
 * while it lives. Same form, and so the same slot, as {@link leaseKeyFor}.
 *
 * @example markerKeyFor('product:42') === '__inv:{product:42}:product:42'
 */
export function markerKeyFor(key: string): string {
  return `${MARKER_KEY_PREFIX}{${sameSlotTagFor(key)}}:${key}`;
}

/**
 * The `MATCH` glob that finds the leases of every key matching `pattern` (another glob). It may
 * also match a few other leases; deleting a lease only voids a fill, so that is harmless.
 */
export function leasePatternFor(pattern: string): string {
  return `${LEASE_KEY_PREFIX}{*}:${pattern}`;
}

/**
 * The Redis SET holding the keys filed under `tag`. Its own slot does not matter: in a cluster its
 * members live in other slots anyway.
 *
 * @example tagSetKeyFor('category:7') === '__tag:category:7'
 */
export function tagSetKeyFor(tag: string): string {
  return `${TAG_SET_KEY_PREFIX}${tag}`;
}

/** `text` with the glob specials of `SCAN MATCH` (`*`, `?`, `[`, `]`, `\`) escaped, to match it literally. */
export function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}
