export { CLUSTER_SLOT_COUNT, crc16, hashedPartOf, keySlot } from './key-slot.js';
export { slotTagFor } from './slot-tag.js';
export {
  LEASE_KEY_PREFIX,
  NAMESPACE_KEY_PREFIX,
  TAG_SET_KEY_PREFIX,
  INTERNAL_KEY_PREFIXES,
  escapeGlob,
  isInternalKey,
  leaseKeyFor,
  leasePatternFor,
  namespacedKey,
  namespaceKeyFor,
  sameSlotTagFor,
  tagSetKeyFor,
} from './cache-key-names.js';
export { LEASE_KEY_LUA } from './lease-key.lua.js';
