import { createHash } from 'node:crypto';
import { LEASE_KEY_LUA, tagSetKeyFor } from '#cache-keys';
import type { KeyDeleter } from './key-deleter.js';
import type { RedisClient } from './redis-client.factory.js';
import { toRedisInvalidationError } from './redis-invalidation.error.js';
import { isCluster, settleAll } from './redis-topology.js';
import { chunk } from './unlink-batches.js';

/** Tuning of {@link TagInvalidator}. */
export interface TagInvalidatorOptions {
  /** Cache keys per `UNLINK` inside the standalone script. @default 250 */
  batchSize?: number;
  /** `SSCAN ... COUNT` hint per page of a tag set (cluster). @default 250 */
  scanCount?: number;
  /** Tags invalidated at the same time (cluster), or per script call (standalone). @default 32 */
  concurrency?: number;
}

/** Result of {@link TagInvalidator.invalidate}. */
export interface TagResult {
  /** Tags processed. */
  tags: number;
  /** Members found in the tag sets (keys invalidated through tags). */
  members: number;
  /** Keys removed, leases included. */
  removed: number;
}

// Atomic on one server: each tag set's members, their leases and the set go in one step, so no
// fill can slip in between. One call covers several tags, to save round trips; tag sets are meant
// to be small (the cache client bounds them).
const STANDALONE_SCRIPT = `${LEASE_KEY_LUA}
local batch = tonumber(ARGV[1])
for _, tag_key in ipairs(KEYS) do
  local kind = redis.call('TYPE', tag_key).ok
  if kind ~= 'set' and kind ~= 'none' then
    return redis.error_reply('WRONGTYPE tag set ' .. tag_key .. ' holds a ' .. kind)
  end
end
local found = 0
local removed = 0
local args = {}
for _, tag_key in ipairs(KEYS) do
  local members = redis.call('SMEMBERS', tag_key)
  found = found + #members
  for _, member in ipairs(members) do
    args[#args + 1] = member
    args[#args + 1] = lease_key_for(member)
    if #args >= 2 * batch then
      removed = removed + redis.call('UNLINK', unpack(args))
      args = {}
    end
  end
end
if #args > 0 then removed = removed + redis.call('UNLINK', unpack(args)) end
redis.call('UNLINK', unpack(KEYS))
return {found, removed}
`;
const STANDALONE_SHA = createHash('sha1').update(STANDALONE_SCRIPT).digest('hex');

/**
 * Invalidates tags: deletes every key filed in the tag's set ({@link tagSetKeyFor}), each key's
 * lease, and the set.
 *
 * Standalone: one Lua script per round of tags, atomic (EVALSHA, falling back to EVAL on NOSCRIPT).
 *
 * Cluster: the members live in other slots than the set, so no single command or script can cover
 * them. The order makes every partial failure safe to retry:
 * 1. `SSCAN` one page of members (SCAN returns every member present for the whole scan);
 * 2. `UNLINK` those members and their leases, grouped by slot ({@link KeyDeleter});
 * 3. only then `SREM` exactly those members. A member added meanwhile stays filed, so a later
 *    invalidation still finds it; the set vanishes by itself once empty.
 * A failure before 3 leaves the members filed, and the retry unlinks them again (idempotent); a
 * failure in 3 leaves already-deleted keys filed, which costs one extra UNLINK. Removing from the
 * set before deleting would lose the key on a crash in between, so that order is never used.
 */
export class TagInvalidator {
  private readonly batchSize: number;
  private readonly scanCount: number;
  private readonly concurrency: number;

  constructor(
    private readonly client: RedisClient,
    private readonly keyDeleter: KeyDeleter,
    options: TagInvalidatorOptions = {},
  ) {
    this.batchSize = options.batchSize ?? 250;
    this.scanCount = options.scanCount ?? 250;
    this.concurrency = options.concurrency ?? 32;
  }

  /** Invalidates every tag in `tags` (deduplicated). */
  async invalidate(tags: Iterable<string>): Promise<TagResult> {
    const distinct = [...new Set(tags)];
    const total: TagResult = { tags: distinct.length, members: 0, removed: 0 };
    for (const round of chunk(distinct, this.concurrency)) {
      const tagKeys = round.map((tag) => tagSetKeyFor(tag));
      const results = isCluster(this.client)
        ? await settleAll(
            tagKeys.map((tagKey) => this.invalidateInCluster(tagKey)),
            'tag invalidation',
          )
        : [await this.invalidateAtomically(tagKeys)];
      for (const [members, removed] of results) {
        total.members += members;
        total.removed += removed;
      }
    }
    return total;
  }

  private async invalidateAtomically(tagKeys: readonly string[]): Promise<[number, number]> {
    let reply: unknown;
    try {
      try {
        reply = await this.client.evalsha(
          STANDALONE_SHA,
          tagKeys.length,
          ...tagKeys,
          this.batchSize,
        );
      } catch (error) {
        if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
        // Script cache flushed or a fresh server: EVAL runs it and caches it again.
        reply = await this.client.eval(
          STANDALONE_SCRIPT,
          tagKeys.length,
          ...tagKeys,
          this.batchSize,
        );
      }
    } catch (error) {
      const message = error instanceof Error ? error.message : '';
      const named = /WRONGTYPE tag set (\S+)/.exec(message)?.[1] ?? tagKeys[0];
      throw toRedisInvalidationError(error, `invalidate ${tagKeys.length} tag set(s)`, named);
    }
    const [members, removed] = Array.isArray(reply) ? (reply as unknown[]) : [];
    return [Number(members ?? 0), Number(removed ?? 0)];
  }

  private async invalidateInCluster(tagKey: string): Promise<[number, number]> {
    let members = 0;
    let removed = 0;
    let cursor = '0';
    do {
      let page: string[];
      try {
        [cursor, page] = await this.client.sscan(tagKey, cursor, 'COUNT', this.scanCount);
      } catch (error) {
        throw toRedisInvalidationError(error, `SSCAN ${tagKey}`, tagKey);
      }
      const distinct = [...new Set(page)];
      if (distinct.length === 0) continue;
      removed += (await this.keyDeleter.unlink(distinct)).removed;
      try {
        await this.client.srem(tagKey, ...distinct);
      } catch (error) {
        throw toRedisInvalidationError(error, `SREM ${tagKey}`, tagKey);
      }
      members += distinct.length;
    } while (cursor !== '0');
    return [members, removed];
  }
}
