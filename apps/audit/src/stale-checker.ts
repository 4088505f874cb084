import { isDeepStrictEqual } from 'node:util';
import { JsonSerializer } from '#cache-client';
import { decodeEntry } from '#cache-keys';
import type { RedisClient } from '#redis';
import { pageOf } from '#catalog';
import type { CatalogLoader } from './catalog-loader.js';

export interface StaleExample {
  readonly key: string;
  /** Fields (product pages) or `product <id>` entries (category lists) that differ. */
  readonly differs: string[];
  readonly cached: string;
  readonly current: string;
}

export interface StaleReport {
  /** The stale entries' keys (all of them, to compare with the online checker's reports). */
  readonly staleKeys: string[];
  /** Entries found under the prefix and compared. */
  readonly checked: number;
  readonly stale: number;
  /** Keys under the prefix that no catalog read produces (should be 0). */
  readonly unexpected: number;
  readonly examples: StaleExample[];
}

const MAX_EXAMPLES = 5;
const MAX_TEXT = 300;

/**
 * Compares every cached entry with what its loader returns now. Run once the service has caught
 * up and every fill has settled: then any difference is a value no invalidation will ever remove.
 */
export async function checkStaleness(
  redis: RedisClient,
  prefix: string,
  keys: readonly string[],
  loader: CatalogLoader,
): Promise<StaleReport> {
  const serializer = new JsonSerializer();
  let checked = 0;
  let stale = 0;
  let unexpected = 0;
  const examples: StaleExample[] = [];
  const staleKeys: string[] = [];
  for (const key of keys) {
    const entry = pageOf(key.slice(prefix.length));
    if (entry === undefined) {
      unexpected += 1;
      continue;
    }
    const payload = await redis.get(key);
    if (payload === null) continue; // expired since the scan
    checked += 1;
    const cached = serializer.deserialize(decodeEntry(payload).payload);
    const current = await loader.load(entry);
    if (isDeepStrictEqual(cached, current)) continue;
    stale += 1;
    staleKeys.push(key);
    if (examples.length < MAX_EXAMPLES) {
      examples.push({
        key,
        differs: differences(cached, current),
        cached: clip(decodeEntry(payload).payload),
        current: clip(serializer.serialize(current)),
      });
    }
  }
  return { checked, stale, unexpected, examples, staleKeys };
}

function differences(cached: unknown, current: unknown): string[] {
  const a = cached as Record<string, unknown>;
  const b = current as Record<string, unknown>;
  if (Array.isArray(b.products) && Array.isArray(a.products)) {
    const ids = (list: unknown[]): Map<string, unknown> =>
      new Map(list.map((p) => [String((p as { id: unknown }).id), p]));
    const before = ids(a.products as unknown[]);
    const after = ids(b.products);
    const all = new Set([...before.keys(), ...after.keys()]);
    const changed = [...all].filter((id) => !isDeepStrictEqual(before.get(id), after.get(id)));
    const shown = changed.slice(0, 8).map((id) => `product ${id}`);
    return changed.length > 8 ? [...shown, `${changed.length - 8} more`] : shown;
  }
  return Object.keys(b).filter((field) => !isDeepStrictEqual(a[field], b[field]));
}

function clip(text: string): string {
  return text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT)}…` : text;
}
