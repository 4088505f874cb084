import { createHash } from 'node:crypto';
import { LEASE_KEY_LUA, tagSetKeyFor } from '#cache-keys';
import { isCluster, type RedisClient, settleAll, toRedisError } from '#redis';
import type { KeyDeleter } from './key-deleter.js';
import { chunk } from './unlink-batches.js';

/** Tuning of {@link TagInvalidator}. */
export interface TagInvalidatorOptions {
  /**
   * `SSCAN ... COUNT` hint per step: members taken apart per script (standalone) or per page
   * (cluster). Bounds each step's server time (0.43 ms mean, 4.5 ms worst, per step of 100 in
   * `npm run bench -- --only impact`; see docs/benchmarks.md). @default 100
   */
  scanCount?: number;
  /** Tags invalidated at the same time, each in its own sequence of steps. @default 32 */
  concurrency?: number;
}

/** Result of {@link TagInvalidator.invalidate}. */
export interface TagResult {
  /** Tags processed. */
  tags: number;
  /** Members found in the tag sets (keys invalidated through tags; SSCAN may count one twice). */
  members: number;
  /** Keys removed, leases included. */
  removed: number;
}

// One bounded step on one server: one SSCAN page of the tag set, then those members and their
// leases are unlinked and the members removed from the set, atomically. No member is ever unfiled
// before (or without) being deleted, and no step holds Redis for longer than one page.
// KEYS[1]: tag set. ARGV[1]: cursor, ARGV[2]: COUNT hint. Replies {next cursor, found, removed}.
const STANDALONE_STEP_SCRIPT = `${LEASE_KEY_LUA}
local kind = redis.call('TYPE', KEYS[1]).ok
if kind == 'none' then return {'0', 0, 0} end
if kind ~= 'set' then
  return redis.error_reply('WRONGTYPE tag set ' .. KEYS[1] .. ' holds a ' .. kind)
end
local page = redis.call('SSCAN', KEYS[1], ARGV[1], 'COUNT', ARGV[2])
local members = page[2]
if #members == 0 then return {page[1], 0, 0} end
local doomed = {}
for _, member in ipairs(members) do
  doomed[#doomed + 1] = member
  doomed[#doomed + 1] = lease_key_for(member)
end
local removed = redis.call('UNLINK', unpack(doomed))
redis.call('SREM', KEYS[1], unpack(members))
return {page[1], #members, removed}
`;
const STANDALONE_STEP_SHA = createHash('sha1').update(STANDALONE_STEP_SCRIPT).digest('hex');

/**
 * Invalidates tags: deletes every key filed in the tag's set ({@link tagSetKeyFor}) and each key's
 * lease; the set vanishes by itself once empty. A tag of any size is taken apart in bounded steps,
 * one `SSCAN` page each, so no single command or script blocks Redis for long, whatever the size.
 *
 * Why nothing is lost: every step deletes a member (and its lease) no later than it removes it
 * from the set, so a stale entry is never unfiled while it still exists. `SSCAN` returns every
 * member present from the first step to the last, so each member filed before the invalidation
 * began is reached. A member filed during it may or may not be reached: if reached, it is deleted
 * (and a fill in flight voided, its lease being gone); if not, it stays filed for the next
 * invalidation. Such a member was filed, and so read from the database, after the change that
 * triggered the invalidation was committed (the cache client files before it loads).
 *
 * Standalone: each step is ONE Lua script (SSCAN page, UNLINK members and leases, SREM them),
 * atomic, with EVALSHA falling back to EVAL on NOSCRIPT.
 *
 * Cluster: the members live in other slots than the set, so no script can cover them. Each step:
 * 1. `SSCAN` one page of members;
 * 2. `UNLINK` those members and their leases, grouped by slot ({@link KeyDeleter});
 * 3. only then `SREM` exactly those members. A member added meanwhile stays filed.
 * A failure before 3 leaves the members filed, and the retry unlinks them again (idempotent); a
 * failure in 3 leaves already-deleted keys filed, which costs one extra UNLINK. Removing from the
 * set before deleting would lose the key on a crash in between, so that order is never used.
 */
export class TagInvalidator {
  private readonly scanCount: number;
  private readonly concurrency: number;

  constructor(
    private readonly client: RedisClient,
    private readonly keyDeleter: KeyDeleter,
    options: TagInvalidatorOptions = {},
  ) {
    this.scanCount = options.scanCount ?? 100;
    this.concurrency = options.concurrency ?? 32;
  }

  /** Invalidates every tag in `tags` (deduplicated). */
  async invalidate(tags: Iterable<string>): Promise<TagResult> {
    const distinct = [...new Set(tags)];
    const total: TagResult = { tags: distinct.length, members: 0, removed: 0 };
    const one = isCluster(this.client)
      ? (tagKey: string) => this.invalidateInCluster(tagKey)
      : (tagKey: string) => this.invalidateStandalone(tagKey);
    for (const round of chunk(distinct, this.concurrency)) {
      const results = await settleAll(
        round.map((tag) => one(tagSetKeyFor(tag))),
        'tag invalidation',
      );
      for (const [members, removed] of results) {
        total.members += members;
        total.removed += removed;
      }
    }
    return total;
  }

  private async invalidateStandalone(tagKey: string): Promise<[number, number]> {
    let members = 0;
    let removed = 0;
    let cursor = '0';
    do {
      const [next, found, gone] = await this.step(tagKey, cursor);
      cursor = next;
      members += found;
      removed += gone;
    } while (cursor !== '0');
    return [members, removed];
  }

  /** One bounded script: replies the next cursor, members found, keys removed. */
  private async step(tagKey: string, cursor: string): Promise<[string, number, number]> {
    let reply: unknown;
    try {
      try {
        reply = await this.client.evalsha(STANDALONE_STEP_SHA, 1, tagKey, cursor, this.scanCount);
      } catch (error) {
        if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
        // Script cache flushed or a fresh server: EVAL runs it and caches it again.
        reply = await this.client.eval(STANDALONE_STEP_SCRIPT, 1, tagKey, cursor, this.scanCount);
      }
    } catch (error) {
      throw toRedisError(error, `invalidate tag set ${tagKey}`, tagKey);
    }
    const [next, found, removed] = Array.isArray(reply) ? (reply as unknown[]) : [];
    const nextCursor = typeof next === 'string' || typeof next === 'number' ? String(next) : '0';
    return [nextCursor, Number(found ?? 0), Number(removed ?? 0)];
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
        throw toRedisError(error, `SSCAN ${tagKey}`, tagKey);
      }
      const distinct = [...new Set(page)];
      if (distinct.length === 0) continue;
      removed += (await this.keyDeleter.unlink(distinct)).removed;
      try {
        await this.client.srem(tagKey, ...distinct);
      } catch (error) {
        throw toRedisError(error, `SREM ${tagKey}`, tagKey);
      }
      members += distinct.length;
    } while (cursor !== '0');
    return [members, removed];
  }
}
