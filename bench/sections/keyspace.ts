import type { Admin, Kafka } from 'kafkajs';
import { formatInt, round } from '../lib/stats.js';
import { oldServiceBuild } from '../lib/old-build.js';
import { DedicatedRedis } from '../lib/redis-server.js';
import { measurePipeline, type PipelineRun } from './pipeline.js';

/** One row: the whole pipeline at the offered rate with this many unrelated keys in Redis. */
export interface KeyspaceRow {
  name: string;
  /** Unrelated keys in Redis during the run (DBSIZE before it, the run's own keys excluded). */
  unrelatedKeys: number;
  /** `current` or the commit the pre-issue-10 service was built from. */
  service: string;
  /** How the rules invalidate the search family on a product update. */
  search: 'namespace' | 'pattern';
  run: PipelineRun;
  /** commit → delete p99 of this row / the empty-Redis row's (same run). */
  p99OverEmpty: number;
}

export interface KeyspaceResult {
  rate: number;
  seconds: number;
  rows: KeyspaceRow[];
}

export interface KeyspaceOptions {
  runId: string;
  outDir: string;
  rate: number;
  seconds: number;
  /** Unmeasured updates before each row (none for the blocking row: it would not finish them). */
  warmupSeconds: number;
  /** Unrelated key counts to measure besides the empty Redis, ascending. */
  keyspaces: readonly number[];
  /** The pre-issue-10 comparison row: its commit and keyspace; null skips it (smoke). */
  blockingPattern: { commit: string; keys: number } | null;
  timeoutMs: number;
  /** How long a row waits for its last deletions after its last commit. */
  drainTimeoutMs: number;
  log: (line: string) => void;
  groups: string[];
  topics: string[];
}

/** The commit before issue 10: a pattern on updates swept the keyspace inside the chunk. */
export const BLOCKING_PATTERN_COMMIT = '10e90d9';

/**
 * The demo `product-pages` rule (rules/catalog.yaml) with the run's key prefix: keys, a tag, and
 * the search family as a namespace (today) or as the `search:*` pattern it was before issue 10.
 */
export function demoProductRules(search: 'namespace' | 'pattern') {
  return (prefix: string, table: string): string => `version: 1
entities:
  product:
    table: ${table}
    columns: [id, name, price, category_id, brand_id, updated_at]
rules:
  - name: product-pages
    description: The demo product-pages rule with bench-prefixed keys.
    on: [product.created, product.updated, product.deleted]
    when:
      changed: [name, price, category_id, brand_id]
    invalidate:
      - key: '${prefix}product:{id}'
      - key: '${prefix}category:{category_id}:products'
      - key: '${prefix}brand:{brand_id}:products'
      - tag: '${prefix}product:{id}'
${search === 'namespace' ? `      - namespace: '${prefix}search'` : `      - pattern: '${prefix}search:*'`}
`;
}

/**
 * Whole-pipeline latency (real UPDATEs → Debezium → Kafka → service → Redis) on a Redis holding
 * 0, then each of `keyspaces` unrelated keys (`DEBUG POPULATE`), with the demo rules; plus the
 * same measurement with the pre-issue-10 service and its `search:*` pattern on updates.
 */
export async function keyspace(
  kafkaClient: Kafka,
  admin: Admin,
  options: KeyspaceOptions,
): Promise<KeyspaceResult> {
  const { log } = options;
  const oldMain =
    options.blockingPattern === null
      ? undefined
      : await oldServiceBuild(options.blockingPattern.commit, log);
  // A server of its own: 10,000,000 keys (about 1 GB) must not leak into the other sections.
  const redis = await DedicatedRedis.start();
  const rows: KeyspaceRow[] = [];
  try {
    const measure = async (unrelatedKeys: number, search: 'namespace' | 'pattern') => {
      const blocking = search === 'pattern';
      const label = `ks${blocking ? 'old' : ''}${unrelatedKeys}`;
      const run = await measurePipeline(kafkaClient, admin, {
        ...options,
        redis,
        label,
        burstRows: 0,
        warmupSeconds: blocking ? 0 : options.warmupSeconds,
        rules: demoProductRules(search),
        ...(blocking && oldMain !== undefined ? { serviceMain: oldMain } : {}),
      });
      const empty = rows[0]?.run.commitToAck.p99 ?? run.run.commitToAck.p99;
      const name = `${unrelatedKeys === 0 ? 'empty' : `${formatInt(unrelatedKeys)} unrelated keys`}, ${blocking ? `service of ${options.blockingPattern?.commit ?? '?'}, pattern 'search:*'` : "namespace 'search'"}`;
      rows.push({
        name,
        unrelatedKeys,
        service: blocking ? (options.blockingPattern?.commit ?? '?') : 'current',
        search,
        run: run.run,
        p99OverEmpty: round(run.run.commitToAck.p99 / Math.max(1, empty), 2),
      });
    };
    await measure(0, 'namespace');
    for (const keys of options.keyspaces) {
      await fill(redis, keys, log);
      await measure(keys, 'namespace');
      if (options.blockingPattern?.keys === keys) await measure(keys, 'pattern');
    }
  } finally {
    await redis.stop();
  }
  return { rate: options.rate, seconds: options.seconds, rows };
}

/** Tops the server up to `keys` unrelated keys (`filler:<n>`, 16-byte values), in Redis itself. */
async function fill(redis: DedicatedRedis, keys: number, log: (line: string) => void) {
  const client = redis.client('bench-keyspace-fill');
  try {
    const t0 = Date.now();
    // DEBUG POPULATE skips the names that exist: the next keyspace adds only the difference.
    await client.call('DEBUG', 'POPULATE', String(keys), 'filler', '16');
    const size = await client.dbsize();
    log(
      `  ${formatInt(size)} keys in Redis after ${round((Date.now() - t0) / 1000, 1)} s of DEBUG POPULATE`,
    );
  } finally {
    client.disconnect();
  }
}
