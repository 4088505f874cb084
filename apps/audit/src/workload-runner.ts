import type pg from 'pg';
import { pause } from '#local-pipeline';
import type { AuditCatalog } from './audit-catalog-fixture.js';
import { pageKey, pageTags, type CatalogPage } from '#catalog';
import type { CatalogLoader } from './catalog-loader.js';
import type { ReadThroughCache } from './naive-cache.js';

export interface WorkloadOptions {
  readonly readers: number;
  readonly writers: number;
  readonly seconds: number;
  readonly minReads: number;
  readonly minWrites: number;
  readonly maxSeconds: number;
  readonly writesPerSecond: number;
}

export interface WorkloadResult {
  readonly seconds: number;
  readonly reads: number;
  readonly productReads: number;
  readonly listReads: number;
  readonly readErrors: number;
  readonly writes: number;
  readonly writesByKind: { price: number; name: number; move: number };
  readonly writeErrors: number;
  /** Both minimums were reached before --max-seconds. */
  readonly targetsMet: boolean;
  /** First read/write error messages, for the report. */
  readonly errorSamples: string[];
}

/** Skewed pick: low indices (the demo rows first) are hot, so reads and writes collide. */
function pick<T>(items: readonly T[]): T {
  const item = items[Math.floor(items.length * Math.random() ** 2)];
  if (item === undefined) throw new Error('pick from an empty list');
  return item;
}

/**
 * Concurrent readers through `cache` and writers against Postgres, until `seconds` have passed
 * and both minimums are reached (or `maxSeconds`, or Ctrl-C). Every write changes a column the
 * rules watch (price, name or category), so each one must invalidate; the schema's trigger bumps
 * the row's updated_at (its version) with each.
 */
export async function runWorkload(
  cache: ReadThroughCache,
  loader: CatalogLoader,
  catalog: AuditCatalog,
  options: WorkloadOptions,
  signal: AbortSignal,
): Promise<WorkloadResult> {
  const counts = { reads: 0, productReads: 0, listReads: 0, readErrors: 0, writeErrors: 0 };
  const writesByKind = { price: 0, name: 0, move: 0 };
  const errorSamples: string[] = [];
  const failed = (error: unknown): void => {
    if (errorSamples.length < 5) errorSamples.push((error as Error).message);
  };
  let stop = false;
  let sequence = 0;
  // Pacing, not waiting on a condition: each write takes the next slot of the shared schedule.
  const spacingMs = options.writesPerSecond > 0 ? 1000 / options.writesPerSecond : 0;
  let nextSlot = Date.now();
  const paced = async (): Promise<void> => {
    if (spacingMs === 0) return;
    const slot = Math.max(Date.now(), nextSlot);
    nextSlot = slot + spacingMs;
    if (slot > Date.now()) await new Promise((resolve) => setTimeout(resolve, slot - Date.now()));
  };

  const reader = async (): Promise<void> => {
    while (!stop) {
      const entry: CatalogPage =
        Math.random() < 0.8
          ? { kind: 'product', id: pick(catalog.productIds) }
          : { kind: 'category-products', id: pick(catalog.categoryIds) };
      try {
        await cache.get(pageKey(entry), () => loader.load(entry), {
          tags: pageTags(entry),
          version: (value) => loader.versionOf(value),
        });
        counts.reads += 1;
        if (entry.kind === 'product') counts.productReads += 1;
        else counts.listReads += 1;
      } catch (error) {
        counts.readErrors += 1;
        failed(error);
      }
    }
  };

  const writer = async (pool: pg.Pool): Promise<void> => {
    while (!stop) {
      await paced();
      const id = pick(catalog.productIds);
      const roll = Math.random();
      try {
        if (roll < 0.5) {
          const delta = (1 + Math.floor(Math.random() * 999)) / 100;
          await pool.query(
            `UPDATE products SET price = CASE WHEN price >= 1000 THEN price - $2 ELSE price + $2 END
             WHERE id = $1`,
            [id, delta],
          );
          writesByKind.price += 1;
        } else if (roll < 0.8) {
          sequence += 1;
          await pool.query('UPDATE products SET name = $2 WHERE id = $1', [
            id,
            `Product ${id} v${sequence}`,
          ]);
          writesByKind.name += 1;
        } else {
          const target = pick(catalog.categoryIds);
          const { rowCount } = await pool.query(
            'UPDATE products SET category_id = $2 WHERE id = $1 AND category_id <> $2',
            [id, target],
          );
          if (rowCount === 1) writesByKind.move += 1;
        }
      } catch (error) {
        counts.writeErrors += 1;
        failed(error);
      }
    }
  };

  const writes = (): number => writesByKind.price + writesByKind.name + writesByKind.move;
  const started = Date.now();
  const loops = [
    ...Array.from({ length: options.readers }, () => reader()),
    ...Array.from({ length: options.writers }, () => writer(catalog.pool)),
  ];
  const targetsMet = (): boolean =>
    counts.reads >= options.minReads && writes() >= options.minWrites;
  try {
    for (;;) {
      const elapsed = (Date.now() - started) / 1000;
      if ((elapsed >= options.seconds && targetsMet()) || elapsed >= options.maxSeconds) break;
      await pause(100, signal);
    }
  } finally {
    stop = true;
    await Promise.all(loops);
  }
  return {
    seconds: (Date.now() - started) / 1000,
    ...counts,
    writes: writes(),
    writesByKind,
    targetsMet: targetsMet(),
    errorSamples,
  };
}
