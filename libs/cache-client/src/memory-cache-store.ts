import {
  compareVersions,
  leaseKeyFor,
  markerKeyFor,
  namespaceKeyFor,
  tagSetKeyFor,
} from '#cache-keys';
import type {
  CacheStore,
  FillRequest,
  FillResult,
  LeaseRequest,
  LookupResult,
} from './cache-store.js';

interface Slot {
  value: string;
  expiresAt: number;
}

/**
 * In-memory {@link CacheStore} with the Redis store's semantics, including the invalidator's: a key
 * is deleted together with its lease. For unit tests of applications and of the client.
 */
export class MemoryCacheStore implements CacheStore {
  private readonly strings = new Map<string, Slot>();
  private readonly sets = new Map<string, Set<string>>();
  private readonly counters = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {}

  lookup(request: LeaseRequest): Promise<LookupResult> {
    const payload = this.getString(request.key);
    if (payload !== undefined) return Promise.resolve({ kind: 'hit', payload });
    const lease = leaseKeyFor(request.key);
    if (this.getString(lease) !== undefined) return Promise.resolve({ kind: 'busy' });
    this.setString(lease, request.token, request.leaseMs);
    for (const tag of request.tags) this.file(tag, request.key);
    return Promise.resolve({ kind: 'leased' });
  }

  fill(request: FillRequest): Promise<FillResult> {
    const lease = leaseKeyFor(request.key);
    if (this.getString(lease) !== request.token) return Promise.resolve('void');
    const marker = this.getString(markerKeyFor(request.key));
    if (request.version !== null && marker !== undefined) {
      if (compareVersions(request.version, marker) < 0) {
        this.strings.delete(lease);
        return Promise.resolve('refused');
      }
    }
    this.setString(request.key, request.payload, request.ttlMs);
    this.strings.delete(lease);
    for (const tag of request.tags) this.file(tag, request.key);
    return Promise.resolve('stored');
  }

  generation(namespace: string): Promise<number> {
    return Promise.resolve(this.counters.get(namespaceKeyFor(namespace)) ?? 0);
  }

  release(key: string, token: string): Promise<void> {
    const lease = leaseKeyFor(key);
    if (this.getString(lease) === token) this.strings.delete(lease);
    return Promise.resolve();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  /**
   * What the invalidator does to a key: deletes it and its lease; with a `version` (canonical
   * text) it also leaves the invalidation marker, for `markerTtlMs`, never moving it backwards.
   */
  invalidateKey(key: string, version?: string, markerTtlMs = 60_000): void {
    this.strings.delete(key);
    this.strings.delete(leaseKeyFor(key));
    if (version === undefined) return;
    const marker = markerKeyFor(key);
    const old = this.getString(marker);
    const newest = old !== undefined && compareVersions(old, version) > 0 ? old : version;
    this.setString(marker, newest, markerTtlMs);
  }

  /** What the invalidator does to a tag: invalidates every filed key, then drops the set. */
  invalidateTag(tag: string): void {
    for (const key of this.sets.get(tagSetKeyFor(tag)) ?? []) this.invalidateKey(key);
    this.sets.delete(tagSetKeyFor(tag));
  }

  /** What the invalidator does to a namespace: `INCR` its generation counter. */
  bumpNamespace(namespace: string): void {
    const counter = namespaceKeyFor(namespace);
    this.counters.set(counter, (this.counters.get(counter) ?? 0) + 1);
  }

  /** The raw stored string (entries and leases), or undefined. */
  peek(key: string): string | undefined {
    return this.getString(key);
  }

  /** The keys filed under `tag`. */
  members(tag: string): string[] {
    return [...(this.sets.get(tagSetKeyFor(tag)) ?? [])];
  }

  private file(tag: string, key: string): void {
    const setKey = tagSetKeyFor(tag);
    const set = this.sets.get(setKey) ?? new Set<string>();
    set.add(key);
    this.sets.set(setKey, set);
  }

  private getString(key: string): string | undefined {
    const slot = this.strings.get(key);
    if (slot === undefined) return undefined;
    if (slot.expiresAt <= this.now()) {
      this.strings.delete(key);
      return undefined;
    }
    return slot.value;
  }

  private setString(key: string, value: string, ttlMs: number): void {
    this.strings.set(key, { value, expiresAt: this.now() + ttlMs });
  }
}
