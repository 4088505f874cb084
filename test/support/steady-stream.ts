import type { Cluster, Redis } from 'ioredis';
import { pause, waitFor } from '#local-pipeline';
import type { CdcPipeline } from './cdc-pipeline.js';
import { keysBehindCommittedOffsets } from './pipeline-checks.js';

/** What a {@link SteadyStream} changes, and the key each change must delete. */
export type StreamTarget =
  /** `UPDATE products SET price = price + 1`; the rule deletes `product:{id}`. */
  | 'products'
  /**
   * `UPDATE categories SET name = ...` of categories with one product each; only the service's
   * cascade lookup (products of the category, in PostgreSQL) finds that product's key to delete.
   */
  | 'categories';

export interface SteadyStreamOptions {
  readonly target?: StreamTarget;
  /** @default 100 */
  readonly perSecond?: number;
  /** @default 30000 */
  readonly durationMs?: number;
  /** First row id; the stream uses `perSecond * durationMs / 1000` ids from it. @default 200000 */
  readonly firstId?: number;
}

/** What one stream saw: every change's commit time and when its key was seen gone. */
export interface StreamOutcome {
  /** Changes committed. */
  readonly updated: number;
  /** Changes the stream could not commit by its deadline (should be 0: PostgreSQL came back). */
  readonly notUpdated: number;
  /** Keys of committed changes still cached at the end: lost invalidations. */
  readonly lost: number;
  /** Keys found cached behind an offset the group had committed (products target only). */
  readonly premature: readonly string[];
  /** Longest time from a change's commit to its key seen gone. */
  readonly maxLagMs: number;
  /** Median of the same. */
  readonly p50LagMs: number;
  /** UPDATE statements that failed and were retried. */
  readonly updateErrors: number;
}

const TICK_MS = 100;
const WATCH_MS = 200;
const STATEMENT_MAX_IDS = 500;

/** Sets and checks cached keys in a standalone Redis or a Cluster (no multi-slot commands). */
export class KeyStore {
  constructor(private readonly redis: Redis | Cluster) {}

  async setAll(keys: readonly string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += 500) {
      await Promise.all(keys.slice(i, i + 500).map((key) => this.redis.set(key, 'cached')));
    }
  }

  async deleteAll(keys: readonly string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += 500) {
      await Promise.all(keys.slice(i, i + 500).map((key) => this.redis.unlink(key)));
    }
  }

  /** Those of `keys` that exist, in order. */
  async existing(keys: readonly string[]): Promise<string[]> {
    const found: string[] = [];
    for (let i = 0; i < keys.length; i += 500) {
      const slice = keys.slice(i, i + 500);
      const counts = await Promise.all(slice.map((key) => this.redis.exists(key)));
      slice.forEach((key, j) => {
        if (counts[j] === 1) found.push(key);
      });
    }
    return found;
  }
}

/**
 * The fault matrix's load: `perSecond` changes a second for `durationMs`, each on a row whose key
 * was cached beforehand, with the commit time of each change and the time its key was first seen
 * gone (polled every 200 ms). Statements that fail (PostgreSQL away) are retried until they commit.
 */
export class SteadyStream {
  readonly target: StreamTarget;
  readonly perSecond: number;
  readonly durationMs: number;
  readonly ids: readonly string[];
  private readonly updatedAt = new Map<string, number>();
  private readonly goneAt = new Map<string, number>();
  private readonly premature = new Set<string>();
  private updateErrors = 0;
  private lastUpdateError: unknown;
  private watching = false;
  private watcher: Promise<void> = Promise.resolve();

  constructor(
    readonly pipeline: CdcPipeline,
    readonly store: KeyStore,
    options: SteadyStreamOptions = {},
  ) {
    this.target = options.target ?? 'products';
    this.perSecond = options.perSecond ?? 100;
    this.durationMs = options.durationMs ?? 30_000;
    const firstId = options.firstId ?? 200_000;
    const count = Math.round((this.perSecond * this.durationMs) / 1000);
    this.ids = Array.from({ length: count }, (_, i) => String(firstId + i));
    // A statement failing while PostgreSQL restarts must not crash the test through an idle client.
    pipeline.catalog.pool.on('error', () => undefined);
  }

  /** The key whose deletion proves the change of row `id` was applied. */
  readonly keyOf = (id: string): string =>
    this.pipeline.key(`product:${this.target === 'products' ? id : productOfCategory(id)}`);

  /** Inserts the rows (before the service starts or while it runs: their keys are not cached yet). */
  async insertRows(): Promise<void> {
    const first = Number(this.ids[0]);
    const count = this.ids.length;
    if (this.target === 'products') {
      await this.pipeline.insertProducts(first, count);
      return;
    }
    await this.pipeline.catalog.query(
      `INSERT INTO categories (id, name) SELECT id, 'Category ' || id
         FROM generate_series($1::bigint, $1::bigint + $2 - 1) AS id`,
      [first, count],
    );
    await this.pipeline.catalog.query(
      `INSERT INTO products (id, name, price, category_id, brand_id)
       SELECT id + $3, 'Product ' || id, 10.00, id, 1
         FROM generate_series($1::bigint, $1::bigint + $2 - 1) AS id`,
      [first, count, PRODUCT_OFFSET],
    );
  }

  /** The topic the stream's changes arrive on. */
  get topic(): string {
    return this.pipeline.topics[this.target];
  }

  /** Caches every key; returns how many exist afterwards. */
  async cacheAll(): Promise<number> {
    const keys = this.ids.map(this.keyOf);
    await this.store.setAll(keys);
    return (await this.store.existing(keys)).length;
  }

  /**
   * Runs the stream and watches the keys; resolves when every change is committed (or
   * `durationMs + extraMs` have passed). The watcher runs on until {@link settle}.
   */
  async run(options: { groupId?: string; extraMs?: number } = {}): Promise<void> {
    this.watching = true;
    this.watcher = this.watch(options.groupId);
    const started = Date.now();
    const deadline = started + this.durationMs + (options.extraMs ?? 180_000);
    let next = 0;
    while (this.updatedAt.size < this.ids.length && Date.now() < deadline) {
      const tickStart = Date.now();
      const due = Math.min(
        this.ids.length,
        Math.floor(((tickStart - started) * this.perSecond) / 1000),
      );
      // Everything due and not yet committed, oldest first (a failed statement is retried).
      const batch = this.ids.slice(next, Math.min(due, next + STATEMENT_MAX_IDS));
      if (batch.length > 0) {
        try {
          await this.update(batch);
          const now = Date.now();
          for (const id of batch) this.updatedAt.set(id, now);
          next += batch.length;
        } catch (error) {
          this.updateErrors += 1;
          this.lastUpdateError = error;
        }
      }
      await pause(Math.max(0, TICK_MS - (Date.now() - tickStart)));
    }
  }

  /** Deletes whatever keys of the stream are left (a failed case). */
  async removeKeys(): Promise<void> {
    await this.store.deleteAll(this.ids.map(this.keyOf));
  }

  /** Commit times of the changes, by row id. */
  committedAt(id: string): number | undefined {
    return this.updatedAt.get(id);
  }

  /**
   * Waits (up to `timeoutMs`) for every committed change's key to be gone, stops the watcher and
   * returns the outcome: whatever is still cached then is lost.
   */
  async settle(timeoutMs = 180_000): Promise<StreamOutcome> {
    await waitFor(() => this.goneAt.size >= this.updatedAt.size, {
      timeoutMs,
      intervalMs: WATCH_MS,
      what: 'every key of the stream deleted',
    }).catch(() => undefined); // counted as lost below
    this.watching = false;
    await this.watcher;
    const lags = [...this.updatedAt]
      .flatMap(([id, at]) => {
        const gone = this.goneAt.get(id);
        return gone === undefined ? [] : [gone - at];
      })
      .sort((a, b) => a - b);
    if (this.updateErrors > 0 && this.updatedAt.size < this.ids.length) {
      console.warn(`stream: last UPDATE error: ${String(this.lastUpdateError)}`);
    }
    return {
      updated: this.updatedAt.size,
      notUpdated: this.ids.length - this.updatedAt.size,
      lost: this.updatedAt.size - this.goneAt.size,
      premature: [...this.premature],
      maxLagMs: lags.at(-1) ?? 0,
      p50LagMs: lags[Math.floor(lags.length / 2)] ?? 0,
      updateErrors: this.updateErrors,
    };
  }

  /**
   * Time from `healedAt` until every key of a change committed before it was gone: how long the
   * service took to catch up once the fault was over (0 when it had never fallen behind).
   */
  recoveryMs(healedAt: number): number {
    let last = healedAt;
    for (const [id, at] of this.updatedAt) {
      if (at > healedAt) continue;
      last = Math.max(last, this.goneAt.get(id) ?? Infinity);
    }
    return last - healedAt;
  }

  private async update(ids: readonly string[]): Promise<void> {
    const sql =
      this.target === 'products'
        ? 'UPDATE products SET price = price + 1 WHERE id = ANY($1::bigint[])'
        : `UPDATE categories SET name = name || '+' WHERE id = ANY($1::bigint[])`;
    await this.pipeline.catalog.query(sql, [ids]);
  }

  /** Polls the keys of committed changes not yet seen gone; the Redis client may fail meanwhile. */
  private async watch(groupId: string | undefined): Promise<void> {
    let lastCommitCheck = 0;
    while (this.watching) {
      const started = Date.now();
      try {
        const pending = [...this.updatedAt.keys()].filter((id) => !this.goneAt.has(id));
        const present = new Set(await this.store.existing(pending.map(this.keyOf)));
        const now = Date.now();
        for (const id of pending) if (!present.has(this.keyOf(id))) this.goneAt.set(id, now);
        if (groupId !== undefined && this.target === 'products' && now - lastCommitCheck > 2_000) {
          lastCommitCheck = now;
          await this.checkCommits(groupId);
        }
      } catch {
        // Redis or Kafka unreachable for the test's own clients: try again next round.
      }
      await pause(Math.max(0, WATCH_MS - (Date.now() - started)));
    }
  }

  /** No offset may be committed before its change's key is deleted. */
  private async checkCommits(groupId: string): Promise<void> {
    const behind = await keysBehindCommittedOffsets(
      this.pipeline,
      groupId,
      new Set(this.updatedAt.keys()),
      this.keyOf,
      (keys) => this.store.existing(keys),
    );
    for (const b of behind)
      this.premature.add(`${b.key} (partition ${b.partition} offset ${b.offset})`);
  }
}

/** Category `id`'s only product (ids far above the stream's own). */
const PRODUCT_OFFSET = 5_000_000;
function productOfCategory(id: string): string {
  return String(Number(id) + PRODUCT_OFFSET);
}
