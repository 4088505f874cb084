import type { CacheVersionInput } from '#cache-keys';
import { CacheClientOptionsError } from './cache-client.errors.js';
import type { CacheCounters } from './cache-counters.js';
import { JsonSerializer, type Serializer } from './json-serializer.js';

/** Client-wide settings of {@link CacheClient}. */
export interface CacheClientOptions {
  /** Namespace prepended to every key and tag name (the rules must produce the same names). @default '' */
  prefix?: string;
  /** Entry TTL when a call gives none. @default 300 */
  ttlSeconds?: number;
  /** Random extra TTL, as a fraction of the TTL, so entries filled together do not expire together. @default 0.1 */
  jitterRatio?: number;
  /** Lease lifetime: a fill later than this is void. Keep it above the slowest load. @default 2000 */
  leaseMs?: number;
  /** Total time a caller waits on another's lease before loading without storing. @default 250 */
  leaseWaitMs?: number;
  /** First pause between two polls while waiting; doubles up to 50 ms. @default 5 */
  leasePollMs?: number;
  /** Bound on each Redis round trip of a read; past it the caller loads without the cache. @default 50 */
  redisTimeoutMs?: number;
  /** Bound on a background fill. @default 1000 */
  fillTimeoutMs?: number;
  /**
   * How long a namespace's generation, once read, is reused before it is read again. It is also
   * the staleness window a namespace invalidation adds: a bump is seen by every read of this
   * client at most this long after it. 0 reads the generation on every `get` (one more round
   * trip, no window). @default 1000
   */
  namespaceCacheMs?: number;
  /** Encoding of stored values. @default new JsonSerializer() (bigint-safe JSON) */
  serializer?: Serializer;
  /** Extra sink for events, e.g. {@link PromCacheCounters}; in-memory counts are always kept. @default undefined */
  counters?: CacheCounters;
  /** Source of randomness for the TTL jitter, in [0, 1). @default Math.random */
  random?: () => number;
}

/** Per-call settings of `CacheClient.get`. */
export interface CacheGetOptions<T = unknown> {
  /** Entry TTL for this key. @default the client's `ttlSeconds` */
  ttlSeconds?: number;
  /**
   * The key family (namespace) `key` belongs to. The entry is stored as
   * `<prefix><namespace>:g<generation>:<key>`; a rule target `namespace: '<prefix><namespace>'`
   * bumps the generation and so invalidates the whole family at once. @default undefined (none)
   */
  namespace?: string;
  /**
   * Tags to file the key under, known BEFORE loading (they are filed with the lease). The service
   * invalidates a tag by deleting every key filed under it. @default []
   */
  tags?: readonly string[];
  /**
   * The version of the data a loaded value holds (the row's version column, read in the same
   * query: an integer, or a timestamp as text with its microseconds), or null when unknown. The
   * entry is stored with it, and a fill older than the invalidation marker of a later change is
   * refused (`fill-refused`). A timestamp read into a JS `Date` has lost its microseconds:
   * select it as text or as epoch microseconds. @default undefined (unversioned entries)
   */
  version?: (value: T) => CacheVersionInput | null;
}

export type ResolvedCacheOptions = Required<Omit<CacheClientOptions, 'counters'>> &
  Pick<CacheClientOptions, 'counters'>;

/** The defaults of {@link CacheClientOptions}, written once (a fresh serializer per client). */
function cacheClientDefaults(): Omit<ResolvedCacheOptions, 'counters'> {
  return {
    prefix: '',
    ttlSeconds: 300,
    jitterRatio: 0.1,
    leaseMs: 2000,
    leaseWaitMs: 250,
    leasePollMs: 5,
    redisTimeoutMs: 50,
    fillTimeoutMs: 1000,
    namespaceCacheMs: 1000,
    serializer: new JsonSerializer(),
    random: Math.random,
  };
}

/** Fills defaults and checks ranges. */
export function resolveCacheOptions(options: CacheClientOptions): ResolvedCacheOptions {
  const resolved = { ...cacheClientDefaults(), ...stripUndefined(options) };
  positive('ttlSeconds', resolved.ttlSeconds);
  positive('leaseMs', resolved.leaseMs);
  positive('leasePollMs', resolved.leasePollMs);
  positive('redisTimeoutMs', resolved.redisTimeoutMs);
  positive('fillTimeoutMs', resolved.fillTimeoutMs);
  if (!(resolved.leaseWaitMs >= 0)) throw new CacheClientOptionsError('leaseWaitMs: expected ≥ 0');
  if (!(resolved.namespaceCacheMs >= 0 && Number.isFinite(resolved.namespaceCacheMs))) {
    throw new CacheClientOptionsError('namespaceCacheMs: expected a finite number ≥ 0');
  }
  if (!(resolved.jitterRatio >= 0 && resolved.jitterRatio <= 1)) {
    throw new CacheClientOptionsError('jitterRatio: expected a number from 0 to 1');
  }
  return resolved;
}

/** Throws unless `value` is a finite number above 0. */
export function positive(name: string, value: number): void {
  if (!(Number.isFinite(value) && value > 0)) {
    throw new CacheClientOptionsError(`${name}: expected a number above 0, got ${String(value)}`);
  }
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(value).filter(([, item]) => item !== undefined),
  ) as Partial<T>;
}
