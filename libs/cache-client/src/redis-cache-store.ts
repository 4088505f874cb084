import { leaseKeyFor, markerKeyFor, namespaceKeyFor, tagSetKeyFor } from '#cache-keys';
import { isCluster, isNoScript, type RedisClient } from '#redis';
import type {
  CacheStore,
  FillRequest,
  FillResult,
  LeaseRequest,
  LookupResult,
} from './cache-store.js';
import {
  FILE_TAG_SCRIPT,
  FILL_SCRIPT,
  LOOKUP_SCRIPT,
  RELEASE_SCRIPT,
  type LuaScript,
} from './lease-fill-scripts.js';

/**
 * {@link CacheStore} on Redis, standalone or cluster, with Lua scripts (EVALSHA, EVAL on NOSCRIPT).
 *
 * Standalone: taking the lease and filing the key in its tag sets is ONE script, and so is the
 * guarded fill (which files again and extends the sets' expiry).
 *
 * Cluster: a script may only touch one slot. The entry and its lease share a slot by
 * construction ({@link leaseKeyFor}); tag sets do not. So the lease is taken first (one script on
 * the entry's node), then the key is filed in each tag set (one script per set, on its node), and
 * `lookup` resolves, letting the caller load, only after every filing succeeded. Why no tag
 * invalidation can miss the fill: the service's cluster order is SSCAN, UNLINK members with their
 * leases, SREM. If its SSCAN saw our member, its UNLINK comes after our lease was taken, so it
 * deletes the lease (or the already-filled entry) and our fill is void. If its SSCAN did not see
 * our member, the scan began before our filing ended, hence before our database read began, and
 * that invalidation follows a commit our read already sees; it also leaves our member filed for
 * the next one. Filing before the lease would be wrong: an invalidation in between would SREM the
 * member and then miss the entry later filled. If filing fails, the lease is given back and the
 * caller loads without storing.
 *
 * One case is left: an invalidation that unlinked the key just BEFORE our lease sends its SREM
 * just after our filing, unfiling a fresh entry so that the NEXT tag invalidation would miss it.
 * So after a cluster fill the store checks that the key is still in every tag set, and deletes
 * the entry if not (a later read files it again). Only an invalidation stalled between its UNLINK
 * and its SREM for longer than our whole load can still unfile an entry; its TTL bounds that.
 */
export class RedisCacheStore implements CacheStore {
  private readonly cluster: boolean;

  /** @param onClose called by {@link close}, e.g. to quit a client this store owns. */
  constructor(
    private readonly client: RedisClient,
    private readonly onClose: () => Promise<void> = () => Promise.resolve(),
  ) {
    this.cluster = isCluster(client);
  }

  async lookup(request: LeaseRequest): Promise<LookupResult> {
    const { key, token } = request;
    const tagKeys = this.cluster ? [] : request.tags.map(tagSetKeyFor);
    const reply = await this.run(
      LOOKUP_SCRIPT,
      [key, leaseKeyFor(key), ...tagKeys],
      [token, request.leaseMs, key, request.tagTtlMs],
    );
    const [kind, payload] = Array.isArray(reply) ? (reply as unknown[]) : [];
    if (kind === 2) return { kind: 'hit', payload: String(payload) };
    if (kind !== 1) return { kind: 'busy' };
    if (this.cluster && request.tags.length > 0) {
      try {
        await Promise.all(
          request.tags.map((tag) =>
            this.run(FILE_TAG_SCRIPT, [tagSetKeyFor(tag)], ['', '', key, request.tagTtlMs]),
          ),
        );
      } catch (error) {
        await this.release(key, token).catch(() => undefined);
        throw error;
      }
    }
    return { kind: 'leased' };
  }

  async fill(request: FillRequest): Promise<FillResult> {
    const { key } = request;
    const tagKeys = this.cluster ? [] : request.tags.map(tagSetKeyFor);
    const reply = await this.run(
      FILL_SCRIPT,
      [key, leaseKeyFor(key), markerKeyFor(key), ...tagKeys],
      [request.token, request.payload, key, request.tagTtlMs, request.ttlMs, request.version ?? ''],
    );
    if (reply === -1) return 'refused';
    if (reply !== 1) return 'void';
    if (!this.cluster || request.tags.length === 0) return 'stored';
    const filed = await Promise.all(
      request.tags.map((tag) => this.client.sismember(tagSetKeyFor(tag), key)),
    );
    if (filed.every((flag) => flag === 1)) return 'stored';
    await this.client.unlink(key);
    return 'void';
  }

  async generation(namespace: string): Promise<number> {
    const value = await this.client.get(namespaceKeyFor(namespace));
    return value === null ? 0 : Number(value);
  }

  async release(key: string, token: string): Promise<void> {
    await this.run(RELEASE_SCRIPT, [leaseKeyFor(key)], [token]);
  }

  close(): Promise<void> {
    return this.onClose();
  }

  private async run(
    script: LuaScript,
    keys: readonly string[],
    args: readonly (string | number)[],
  ): Promise<unknown> {
    try {
      return await this.client.evalsha(script.sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!isNoScript(error)) throw error;
      return this.client.eval(script.source, keys.length, ...keys, ...args);
    }
  }
}
