import { createHash } from 'node:crypto';
import { VERSION_COMPARE_LUA } from '#cache-keys';

/** A Lua script with its SHA1, for `EVALSHA` with an `EVAL` fallback on `NOSCRIPT`. */
export interface LuaScript {
  readonly source: string;
  readonly sha: string;
}

function script(source: string): LuaScript {
  return { source, sha: createHash('sha1').update(source).digest('hex') };
}

// Files KEYS[i] (a tag set) under ARGV[3] and makes it live at least ARGV[4] ms: never shortened,
// so a tag set outlives every entry filed in it.
const FILE_TAGS_FROM = (first: number): string => `
for i = ${first}, #KEYS do
  redis.call('SADD', KEYS[i], ARGV[3])
  if redis.call('PTTL', KEYS[i]) < tonumber(ARGV[4]) then redis.call('PEXPIRE', KEYS[i], ARGV[4]) end
end`;

/**
 * Read or lease, in one step. KEYS: entry, its lease, then (standalone only) tag sets.
 * ARGV: token, lease ms, entry key (the tag-set member), tag-set ms.
 * Replies `{2, value}` on a hit, `{1}` when the lease is now ours (and the key filed under its
 * tags, atomically), `{0}` when someone else holds it.
 */
export const LOOKUP_SCRIPT = script(`
local value = redis.call('GET', KEYS[1])
if value then return {2, value} end
if not redis.call('SET', KEYS[2], ARGV[1], 'NX', 'PX', ARGV[2]) then return {0} end
${FILE_TAGS_FROM(3)}
return {1}
`);

/**
 * Files a key in ONE tag set (cluster: the set lives on its own node). KEYS: the tag set.
 * ARGV: unused, unused, entry key, tag-set ms (same layout as {@link LOOKUP_SCRIPT}).
 */
export const FILE_TAG_SCRIPT = script(`${FILE_TAGS_FROM(1)}
return 1
`);

/**
 * Stores the value only while the lease is still ours, and (versioned entries) only if it is not
 * older than the key's invalidation marker. KEYS: entry, its lease, its marker, then (standalone
 * only) tag sets. ARGV: token, payload, entry key, tag-set ms, entry ms, version ('' when
 * unversioned). Replies 1 when stored; 0 when the lease is gone or another's (an invalidation
 * deleted it: the fill is void); -1 when the version is older than the marker (refused; the
 * lease is given back so a waiter can load again).
 */
export const FILL_SCRIPT = script(`${VERSION_COMPARE_LUA}
if redis.call('GET', KEYS[2]) ~= ARGV[1] then return 0 end
if ARGV[6] ~= '' then
  local marker = redis.call('GET', KEYS[3])
  if marker and version_older(ARGV[6], marker) then
    redis.call('DEL', KEYS[2])
    return -1
  end
end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[5])
redis.call('DEL', KEYS[2])
${FILE_TAGS_FROM(4)}
return 1
`);

/** Deletes the lease if it is still ours. KEYS: the lease. ARGV: token. */
export const RELEASE_SCRIPT = script(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`);
