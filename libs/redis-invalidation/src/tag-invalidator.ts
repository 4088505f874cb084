import { createHash } from 'node:crypto';
import { LEASE_KEY_LUA, tagSetKeyFor } from '#cache-keys';
import {
  isCluster,
  isNoScript,
  RedisCommandError,
  RedisWrongTypeError,
  type RedisClient,
  settleAll,
  toRedisError,
} from '#redis';
import type { KeyDeleter } from './key-deleter.js';
import { chunk } from './unlink-batches.js';

/** Tuning of {@link TagInvalidator}; unset fields take {@link TAG_INVALIDATOR_DEFAULTS}. */
export interface TagInvalidatorOptions {
  /**
   * `SSCAN ... COUNT` hint per step: members taken apart per script (standalone) or per page
   * (cluster). Bounds each step's server time, and so how long a concurrent reader waits.
   */
  scanCount?: number;
  /**
   * Steps in flight at once: standalone, lanes of up to 64 tags each stepping in turn; cluster,
   * tags each in its own sequence of steps.
   */
  concurrency?: number;
}

/**
 * Defaults of {@link TagInvalidatorOptions}. Steps of 50 members: in three runs of
 * `npm run bench -- --only impact` a 100,000-member tag gave concurrent GETs a p99 of 1.67 ms
 * (median; 2.38 ms with steps of 100) and no step over 1.9 ms of server time (6.0 ms with 100),
 * for about 1% longer invalidations (docs/benchmarks.md).
 */
export const TAG_INVALIDATOR_DEFAULTS: Readonly<Required<TagInvalidatorOptions>> = {
  scanCount: 50,
  concurrency: 32,
};

/** Result of {@link TagInvalidator.invalidate}. */
export interface TagResult {
  /** Tags processed. */
  tags: number;
  /** Members found in the tag sets (keys invalidated through tags; SSCAN may count one twice). */
  members: number;
  /** Keys removed, leases included. */
  removed: number;
}

// One bounded step on one server, over as many tags as fit: for each tag set in KEYS, in order,
// one SSCAN page from its cursor; those members and their leases are unlinked and the members
// removed from the set, atomically. No member is ever unfiled before (or without) being deleted.
// It stops taking tags once `budget` members were found, so no step holds Redis for longer than
// about one page, while a round of small tags costs one script call instead of one per tag.
// KEYS: tag sets. ARGV[1]: member budget (also the COUNT hint). ARGV[2]: how many of the first
// KEYS resume a scan; ARGV[2 + i]: the cursor of KEYS[i] for those, the others start at 0.
// Replies {taken, found, removed, i, cursor, ...} with a pair for each taken tag not finished
// (most finish in one page: a short reply), or {'WRONGTYPE', i, type} before touching KEYS[i]
// when it holds something else than a set. Arguments and reply items each cost the client
// encoding or decoding, so neither carries a cursor of 0.
const STANDALONE_STEP_SCRIPT = `${LEASE_KEY_LUA}
local budget = tonumber(ARGV[1])
local resumed = tonumber(ARGV[2])
local found, removed, taken = 0, 0, 0
local unfinished = {}
for i, key in ipairs(KEYS) do
  if found >= budget then break end
  local kind = redis.call('TYPE', key).ok
  if kind == 'set' then
    local page = redis.call('SSCAN', key, i <= resumed and ARGV[i + 2] or '0', 'COUNT', budget)
    local members = page[2]
    if #members > 0 then
      local doomed = {}
      for _, member in ipairs(members) do
        doomed[#doomed + 1] = member
        doomed[#doomed + 1] = lease_key_for(member)
      end
      removed = removed + redis.call('UNLINK', unpack(doomed))
      redis.call('SREM', key, unpack(members))
      found = found + #members
    end
    if page[1] ~= '0' then
      unfinished[#unfinished + 1] = i
      unfinished[#unfinished + 1] = page[1]
    end
  elseif kind ~= 'none' then
    return {'WRONGTYPE', i, kind}
  end
  taken = i
end
local reply = {taken, found, removed}
for _, item in ipairs(unfinished) do reply[#reply + 1] = item end
return reply
`;
const STANDALONE_STEP_SHA = createHash('sha1').update(STANDALONE_STEP_SCRIPT).digest('hex');
/** Tag sets offered to one standalone step (it takes fewer once its member budget is spent). */
const TAGS_PER_STEP = 64;

/** A tag set and where its scan resumes ('0': from the start). */
interface PendingTag {
  readonly key: string;
  readonly cursor: string;
}

/** A standalone step's reply: members found, keys removed, how many tags it took, and those left. */
interface StepReply {
  readonly found: number;
  readonly removed: number;
  readonly taken: number;
  /** Taken tags whose scan goes on, with their next cursor. */
  readonly unfinished: readonly PendingTag[];
}

function parseStepReply(reply: unknown, batch: readonly PendingTag[]): StepReply {
  const parts = Array.isArray(reply) ? (reply as unknown[]) : [];
  if (parts[0] === 'WRONGTYPE') {
    throw new RedisWrongTypeError(batch[Number(parts[1]) - 1]?.key ?? batch[0]?.key ?? '');
  }
  const taken = Number(parts[0] ?? 0);
  const unfinished: PendingTag[] = [];
  for (let at = 3; at + 1 < parts.length; at += 2) {
    const tag = batch[Number(parts[at]) - 1];
    if (tag === undefined) break;
    unfinished.push({ key: tag.key, cursor: String(parts[at + 1]) });
  }
  if (taken < 1 || taken > batch.length || 3 + 2 * unfinished.length !== parts.length) {
    throw new RedisCommandError(`tag step: unexpected reply ${JSON.stringify(reply)}`);
  }
  return { found: Number(parts[1] ?? 0), removed: Number(parts[2] ?? 0), taken, unfinished };
}

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
 * Standalone: each step is ONE Lua script (an SSCAN page of each tag it takes, UNLINK of those
 * members and their leases, SREM of them), atomic, with EVALSHA falling back to EVAL on NOSCRIPT.
 * A step takes tags until it has found `scanCount` members, so many small tags cost one call
 * and a large one is taken apart over many.
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
    this.scanCount = options.scanCount ?? TAG_INVALIDATOR_DEFAULTS.scanCount;
    this.concurrency = options.concurrency ?? TAG_INVALIDATOR_DEFAULTS.concurrency;
  }

  /** Invalidates every tag in `tags` (deduplicated). */
  async invalidate(tags: Iterable<string>): Promise<TagResult> {
    const setKeys = [...new Set(tags)].map((tag) => tagSetKeyFor(tag));
    const total: TagResult = { tags: setKeys.length, members: 0, removed: 0 };
    const results = isCluster(this.client)
      ? await this.invalidateAllInCluster(setKeys)
      : await settleAll(
          this.lanes(setKeys).map((lane) => this.invalidateStandalone(lane)),
          'tag invalidation',
        );
    for (const [members, removed] of results) {
      total.members += members;
      total.removed += removed;
    }
    return total;
  }

  /**
   * Up to `concurrency` lanes of whole steps' worth of tags: one lane per step-full, so a few
   * small tags go in one script call and many tags keep `concurrency` calls in flight.
   */
  private lanes(setKeys: readonly string[]): string[][] {
    const count = Math.min(this.concurrency, Math.ceil(setKeys.length / TAGS_PER_STEP));
    const lanes: string[][] = Array.from({ length: count }, () => []);
    setKeys.forEach((key, i) => lanes[i % count]?.push(key));
    return lanes;
  }

  /** One lane's tags, step after step; a tag not finished in a step comes first in the next. */
  private async invalidateStandalone(setKeys: readonly string[]): Promise<[number, number]> {
    let pending: PendingTag[] = setKeys.map((key) => ({ key, cursor: '0' }));
    let members = 0;
    let removed = 0;
    while (pending.length > 0) {
      const batch = pending.slice(0, TAGS_PER_STEP);
      const step = await this.step(batch);
      members += step.found;
      removed += step.removed;
      pending = [...step.unfinished, ...pending.slice(step.taken)];
    }
    return [members, removed];
  }

  /**
   * One bounded script over the first tags of `batch` (at least one): see the script. Tags that
   * resume a scan come first in a batch, so their cursors are the only ones sent.
   */
  private async step(batch: readonly PendingTag[]): Promise<StepReply> {
    const keys = batch.map(({ key }) => key);
    let resumed = 0;
    while (resumed < batch.length && batch[resumed]?.cursor !== '0') resumed += 1;
    const args = [this.scanCount, resumed, ...batch.slice(0, resumed).map(({ cursor }) => cursor)];
    let reply: unknown;
    try {
      try {
        reply = await this.client.evalsha(STANDALONE_STEP_SHA, keys.length, ...keys, ...args);
      } catch (error) {
        if (!isNoScript(error)) throw error;
        // Script cache flushed or a fresh server: EVAL runs it and caches it again.
        reply = await this.client.eval(STANDALONE_STEP_SCRIPT, keys.length, ...keys, ...args);
      }
    } catch (error) {
      throw toRedisError(error, `invalidate tag sets ${keys.join(' ')}`, keys[0]);
    }
    return parseStepReply(reply, batch);
  }

  private async invalidateAllInCluster(setKeys: readonly string[]): Promise<[number, number][]> {
    const results: [number, number][] = [];
    for (const round of chunk([...setKeys], this.concurrency)) {
      const settled = await settleAll(
        round.map((key) => this.invalidateInCluster(key)),
        'tag invalidation',
      );
      results.push(...settled);
    }
    return results;
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
