export { CLUSTER_SLOT_COUNT, crc16, hashedPartOf, keySlot } from './key-slot.js';
export { slotTagFor } from './slot-tag.js';
export {
  LEASE_KEY_PREFIX,
  NAMESPACE_KEY_PREFIX,
  MARKER_KEY_PREFIX,
  TAG_SET_KEY_PREFIX,
  INTERNAL_KEY_PREFIXES,
  escapeGlob,
  isInternalKey,
  leaseKeyFor,
  leasePatternFor,
  namespacedKey,
  namespaceKeyFor,
  markerKeyFor,
  sameSlotTagFor,
  tagSetKeyFor,
} from './cache-key-names.js';
export { LEASE_KEY_LUA } from './lease-key-lua.js';
export {
  MAX_VERSION_DIGITS,
  compareVersions,
  isCacheVersion,
  newerVersion,
  toCacheVersion,
  type CacheVersionInput,
  type KeyVersion,
} from './cache-version.js';
export { VERSION_COMPARE_LUA } from './version-compare-lua.js';
export { ENTRY_ENVELOPE_PREFIX, decodeEntry, encodeEntry, type CacheEntry } from './cache-entry.js';
export { CacheEntryFormatError, CacheVersionError } from './cache-keys.errors.js';
