import type { Redis } from 'ioredis';
import { waitFor } from '#local-pipeline';
import type { CdcPipeline } from './cdc-pipeline.js';
import { existingKeys, keysBehindCommittedOffsets } from './pipeline-checks.js';

// The crash, consumer-group and Redis-outage scenarios: 1,000 cached products updated while the
// service is killed, stopped or cut off; no key may survive and none may be committed early.
export const FIRST_ID = 100_000;
export const COUNT = 1_000;
export const HALF = COUNT / 2;

/** Products `FIRST_ID..FIRST_ID + COUNT - 1` and their cached keys in one Redis. */
export class UpdateStream {
  readonly ids = Array.from({ length: COUNT }, (_, i) => String(FIRST_ID + i));
  readonly keys: readonly string[];

  constructor(
    readonly pipeline: CdcPipeline,
    readonly redis: Redis,
  ) {
    this.keys = this.ids.map((id) => this.keyOf(id));
  }

  readonly keyOf = (id: string): string => this.pipeline.key(`product:${id}`);

  readonly existing = (keys: readonly string[]): Promise<string[]> =>
    existingKeys(this.redis, keys);

  /** Caches every key; returns how many exist afterwards. */
  async cacheAll(): Promise<number> {
    await this.redis.mset(...this.keys.flatMap((key) => [key, 'cached']));
    return (await this.existing(this.keys)).length;
  }

  /**
   * Updates the first half, 50 rows per statement, and returns as soon as the service has
   * deleted something of it, while it is still working through it.
   */
  async updateFirstHalf(): Promise<void> {
    await this.pipeline.updatePrices(FIRST_ID, FIRST_ID + HALF - 1, 50);
    const firstHalf = this.keys.slice(0, HALF);
    await waitFor(async () => (await this.existing(firstHalf)).length < HALF, {
      timeoutMs: 60_000,
      intervalMs: 20,
      what: 'the first deletes of the stream',
    });
  }

  /** Keys of the first half still cached. */
  async leftInFirstHalf(): Promise<number> {
    return (await this.existing(this.keys.slice(0, HALF))).length;
  }

  async updateSecondHalf(): Promise<void> {
    await this.pipeline.updatePrices(FIRST_ID + HALF, FIRST_ID + COUNT - 1, 50);
  }

  /** Update events below `groupId`'s committed offsets whose key is still cached (see there). */
  behindCommitted(groupId: string): Promise<{ partition: number; offset: string; key: string }[]> {
    return keysBehindCommittedOffsets(
      this.pipeline,
      groupId,
      new Set(this.ids),
      this.keyOf,
      this.existing,
    );
  }

  /**
   * Polls until every key is gone (120 s), adding to `premature` each key found behind a
   * committed offset on the way.
   */
  async waitAllDeleted(groupId: string, what: string, premature: string[]): Promise<void> {
    await waitFor(
      async () => {
        for (const v of await this.behindCommitted(groupId)) {
          premature.push(`${v.key} (partition ${v.partition} offset ${v.offset})`);
        }
        return (await this.existing(this.keys)).length === 0;
      },
      { timeoutMs: 120_000, intervalMs: 100, what },
    );
  }
}

/** afterAll of a scenario whose beforeAll may have failed half-way. */
export async function closeStream(
  started: Partial<{ redis: Redis; pipeline: CdcPipeline; stream: UpdateStream }>,
): Promise<void> {
  if (started.redis && started.stream) await started.redis.unlink(...started.stream.keys);
  started.redis?.disconnect();
  await started.pipeline?.close();
}
