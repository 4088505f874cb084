import { decodeEntry, ENTRY_ENVELOPE_PREFIX, MAX_VERSION_DIGITS } from '#cache-keys';
import type { RedisClient } from '#redis';
import type { EntryState, EntryStateReader } from './consistency-checker.js';

// Enough of an entry to read its envelope's version, never the whole value.
const HEAD_BYTES = ENTRY_ENVELOPE_PREFIX.length + MAX_VERSION_DIGITS + 1;

/**
 * Reads entry states with `GETRANGE key 0 <head>` per key: O(1) each, only the envelope's head
 * crosses the network, whatever the value's size. Commands go one per key (ioredis routes them
 * in a cluster and sends those issued together in one write).
 */
export class RedisEntryStateReader implements EntryStateReader {
  constructor(private readonly client: RedisClient) {}

  async read(keys: readonly string[]): Promise<readonly EntryState[]> {
    const heads = await Promise.all(
      keys.map((key) => this.client.getrange(key, 0, HEAD_BYTES - 1)),
    );
    return heads.map(stateOf);
  }
}

/** An empty reply means no entry (stored entries are never empty). */
export function stateOf(head: string): EntryState {
  if (head === '') return { kind: 'absent' };
  if (!head.startsWith('#')) return { kind: 'present', version: null };
  try {
    // The head ends inside the payload, or right after the version's ';': enough to decode.
    return { kind: 'present', version: decodeEntry(head).version };
  } catch {
    return { kind: 'present', version: null };
  }
}
