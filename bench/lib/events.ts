import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '#local-pipeline';

/** The captured Debezium update (test/fixtures/debezium/captured-update.json) the events copy. */
interface CapturedUpdate {
  value: {
    before: Record<string, unknown>;
    after: Record<string, unknown>;
    source: Record<string, unknown>;
    [field: string]: unknown;
  };
}

const captured = (
  JSON.parse(
    readFileSync(join(repoRoot(), 'test/fixtures/debezium/captured-update.json'), 'utf8'),
  ) as CapturedUpdate
).value;

/** One product update, as the harness produces it. */
export interface ProductUpdate {
  id: number;
  categoryBefore: number;
  categoryAfter: number;
  brand: number;
  priceCents: number;
}

/** A Kafka message carrying a Debezium update event, shaped exactly like the captured one. */
export interface BenchMessage {
  key: string;
  value: string;
}

/**
 * Serialises `update` the way Debezium's JSON converter does (schemas disabled, decimals as
 * strings, full before image): `source.ts_ms` is the commit time, which the service's lag
 * histogram starts from.
 */
export function debeziumUpdate(
  update: ProductUpdate,
  tsMs: number,
  schema = 'public',
  lsn = 0,
): BenchMessage {
  const price = (cents: number) => (cents / 100).toFixed(2);
  const row = (category: number, cents: number) => ({
    ...captured.before,
    id: update.id,
    name: `Bench product ${update.id}`,
    price: price(cents),
    category_id: category,
    brand_id: update.brand,
  });
  const value = {
    ...captured,
    before: row(update.categoryBefore, update.priceCents + 100),
    after: row(update.categoryAfter, update.priceCents),
    source: {
      ...captured.source,
      ts_ms: tsMs,
      ts_us: tsMs * 1000,
      ts_ns: tsMs * 1_000_000,
      schema,
      table: 'products',
      lsn: 27_439_024 + lsn,
      txId: 798 + lsn,
    },
    ts_ms: tsMs,
    ts_us: tsMs * 1000,
    ts_ns: tsMs * 1_000_000,
  };
  return { key: JSON.stringify({ id: update.id }), value: JSON.stringify(value) };
}

/** Deterministic PRNG (mulberry32), so two runs produce the same stream. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Shape of the throughput stream. */
export interface Workload {
  /** Distinct products. */
  products: number;
  categories: number;
  brands: number;
  /** Fraction of events on a small hot set of products (the repeats). */
  hotShare: number;
  hotProducts: number;
  /** Fraction of updates that move the product to another category (one more key). */
  moveShare: number;
}

export const defaultWorkload: Workload = {
  products: 50_000,
  categories: 200,
  brands: 50,
  hotShare: 0.2,
  hotProducts: 500,
  moveShare: 0.1,
};

/**
 * `count` updates of the demo `products` table: mostly price changes (3 keys, 1 tag), some
 * category moves (4 keys: old and new category), 20% of them on a hot set of products.
 */
export function* productUpdates(
  count: number,
  workload: Workload,
  seed = 42,
): Generator<ProductUpdate> {
  const random = prng(seed);
  const pick = (n: number) => 1 + Math.floor(random() * n);
  for (let i = 0; i < count; i++) {
    const id = random() < workload.hotShare ? pick(workload.hotProducts) : pick(workload.products);
    const category = 1 + (id % workload.categories);
    const moves = random() < workload.moveShare;
    yield {
      id,
      categoryBefore: category,
      categoryAfter: moves
        ? 1 + ((category - 1 + pick(workload.categories - 1)) % workload.categories)
        : category,
      brand: 1 + (id % workload.brands),
      priceCents: 100 + pick(100_000),
    };
  }
}

/** The keys and tag the bench rules name for one update (before coalescing), for counting. */
export function keysOf(update: ProductUpdate): number {
  return update.categoryBefore === update.categoryAfter ? 3 : 4;
}

/** The rules the service and the naive consumer apply: the demo product rule, bench-prefixed keys. */
export function benchRules(prefix: string, table = 'public.products'): string {
  return `version: 1
entities:
  product:
    table: ${table}
    columns: [id, name, price, category_id, brand_id, updated_at]
rules:
  - name: bench-product-pages
    description: The demo product-pages rule with bench-prefixed keys (no search:* sweep).
    on: [product.created, product.updated, product.deleted]
    when:
      changed: [name, price, category_id, brand_id]
    invalidate:
      - key: '${prefix}product:{id}'
      - key: '${prefix}category:{category_id}:products'
      - key: '${prefix}brand:{brand_id}:products'
      - tag: '${prefix}product:{id}'
`;
}
