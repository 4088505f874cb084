import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel, type Admin, type IHeaders } from 'kafkajs';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { deleteConnector, loadConnectorConfig, registerConnector } from './connect-client.js';
import { endpoints } from './endpoints.js';
import { createIsolatedCatalog, type IsolatedCatalog } from './isolated-catalog.js';
import { KafkaCollector, type CollectedMessage } from './kafka-collector.js';
import { waitFor } from './wait-for.js';

const demoRules = fileURLToPath(new URL('../../rules/catalog.yaml', import.meta.url));
const TABLES = ['brands', 'categories', 'products'] as const;
type Table = (typeof TABLES)[number];

/** Options of {@link createCdcPipeline}. */
export interface CdcPipelineOptions {
  /** Creates the products topic with this many partitions before the connector writes to it. */
  productsPartitions?: number;
}

/**
 * Everything one test needs between PostgreSQL and the invalidator: a copy of the demo catalog in
 * a schema of its own, a Debezium connector (topic prefix, slot, publication) of its own, and the
 * demo rules rewritten for that schema with every key, tag and pattern under a prefix of its own.
 */
export interface CdcPipeline {
  readonly catalog: IsolatedCatalog;
  /** Schema, connector, topic prefix, slot and publication name. */
  readonly name: string;
  readonly topics: Readonly<Record<Table, string>>;
  /** Every key, tag and pattern of the generated rules starts with this. */
  readonly keyPrefix: string;
  /** The generated rules file. */
  readonly rulesPath: string;
  /** The catalog database with the test schema first on the search path (cascade lookups). */
  readonly databaseUrl: string;
  /** Reads every message of the three table topics since the connector started. */
  readonly collector: KafkaCollector;
  /** A Kafka admin client, connected for the life of the pipeline. */
  readonly admin: Admin;
  readonly kafka: Kafka;
  /** `template` under the pipeline's key prefix: `key('product:1')`. */
  key(name: string): string;
  /** A topic name unique to this pipeline, created with `partitions` (dead-letter topics). */
  createTopic(suffix: string, partitions?: number): Promise<string>;
  /** Last offset + 1 of each partition of `topic`. */
  endOffsets(topic: string): Promise<Map<number, bigint>>;
  /** The offsets `groupId` committed on `topic` (-1 when none). */
  committedOffsets(groupId: string, topic: string): Promise<Map<number, bigint>>;
  /** Inserts `count` products with ids `firstId`, `firstId + 1`, … in one statement. */
  insertProducts(firstId: number, count: number, categoryId?: number): Promise<void>;
  /** Raises the price of products `fromId..toId` by one, one statement per `batchSize` ids. */
  updatePrices(fromId: number, toId: number, batchSize: number): Promise<void>;
  close(): Promise<void>;
}

/** The snapshot marker Debezium puts on the last row it reads from a table. */
function isSnapshotEnd(message: CollectedMessage): boolean {
  const snapshot = rowOf(message)?.snapshot;
  return snapshot === 'last' || snapshot === 'last_in_data_collection';
}

interface RuleTarget {
  key?: string;
  tag?: string;
  pattern?: string;
  cascade?: { fallback?: { tag?: string; pattern?: string } };
}
interface RulesDocument {
  entities: Record<string, { table: string }>;
  rules: { invalidate: RuleTarget[] }[];
}

/** The demo rules with tables in `schema` and every key, tag and pattern under `prefix`. */
export async function rewriteDemoRules(schema: string, prefix: string): Promise<string> {
  const document = parseYaml(await readFile(demoRules, 'utf8')) as RulesDocument;
  for (const entity of Object.values(document.entities)) {
    entity.table = entity.table.replace(/^public\./, `${schema}.`);
  }
  for (const rule of document.rules) {
    for (const target of rule.invalidate) {
      if (target.key !== undefined) target.key = prefix + target.key;
      if (target.tag !== undefined) target.tag = prefix + target.tag;
      if (target.pattern !== undefined) target.pattern = prefix + target.pattern;
      const fallback = target.cascade?.fallback;
      if (fallback?.tag !== undefined) fallback.tag = prefix + fallback.tag;
      if (fallback?.pattern !== undefined) fallback.pattern = prefix + fallback.pattern;
    }
  }
  return stringifyYaml(document);
}

/**
 * Builds a pipeline and returns once Debezium has finished its snapshot of all three tables, so
 * every change made from then on is streamed. `close()` undoes whatever was set up, even half-way.
 */
export async function createCdcPipeline(
  label: string,
  options: CdcPipelineOptions = {},
): Promise<CdcPipeline> {
  const cleanups: (() => Promise<void>)[] = [];
  const close = async (): Promise<void> => {
    const errors: unknown[] = [];
    for (const cleanup of cleanups.reverse()) {
      try {
        await cleanup();
      } catch (error) {
        errors.push(error);
      }
    }
    cleanups.length = 0;
    if (errors.length > 0) throw new AggregateError(errors, 'pipeline cleanup failed');
  };
  try {
    const catalog = await createIsolatedCatalog(label);
    cleanups.push(() => catalog.drop());
    const name = catalog.name;
    const keyPrefix = `${name}:`;
    const topics = Object.fromEntries(
      TABLES.map((table) => [table, `${name}.${name}.${table}`]),
    ) as Record<Table, string>;

    const dir = await mkdtemp(join(tmpdir(), `${name}-`));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const rulesPath = join(dir, 'catalog.yaml');
    await writeFile(rulesPath, await rewriteDemoRules(name, keyPrefix));

    const kafka = new Kafka({
      clientId: `${name}-test`,
      brokers: [...endpoints.kafkaBrokers],
      logLevel: logLevel.ERROR,
    });
    const admin = kafka.admin();
    await admin.connect();
    cleanups.push(() => admin.disconnect());
    const created: string[] = [];
    cleanups.push(async () => {
      if (created.length > 0) await admin.deleteTopics({ topics: created });
    });
    const createTopic = async (topic: string, partitions?: number): Promise<void> => {
      await admin.createTopics({
        topics: [{ topic, ...(partitions === undefined ? {} : { numPartitions: partitions }) }],
      });
      created.push(topic);
      // kafkajs' own waitForLeaders gives up on the broker's first UNKNOWN_TOPIC_OR_PARTITION.
      await waitFor(
        async () => {
          const { topics: found } = await admin.fetchTopicMetadata({ topics: [topic] });
          const partitions = found[0]?.partitions ?? [];
          return partitions.length > 0 && partitions.every((p) => p.leader >= 0);
        },
        { timeoutMs: 30_000, intervalMs: 100, what: `leaders of ${topic}` },
      );
    };
    // Debezium and the collector would create these with the broker's default partition count.
    for (const table of TABLES) {
      await createTopic(
        topics[table],
        table === 'products' ? options.productsPartitions : undefined,
      );
    }

    const collector = await KafkaCollector.start(Object.values(topics), `${name}-collector`);
    cleanups.push(() => collector.stop());

    const base = await loadConnectorConfig();
    cleanups.push(() => deleteConnector(name));
    await registerConnector({
      name,
      config: {
        ...base.config,
        'topic.prefix': name,
        'slot.name': name,
        'publication.name': name,
        'schema.include.list': name,
        'table.include.list': TABLES.map((table) => `${name}.${table}`).join(','),
        'slot.drop.on.stop': 'true',
      },
    });
    for (const topic of Object.values(topics)) {
      await collector.waitFor((m) => m.topic === topic && isSnapshotEnd(m), 120_000);
    }

    const databaseUrl = `${endpoints.postgresUrl}?options=${encodeURIComponent(`-c search_path=${name}`)}`;
    const pipeline: CdcPipeline = {
      catalog,
      name,
      topics,
      keyPrefix,
      rulesPath,
      databaseUrl,
      collector,
      admin,
      kafka,
      key: (key) => keyPrefix + key,
      async createTopic(suffix, partitions = 1) {
        const topic = `${name}.${suffix}`;
        await createTopic(topic, partitions);
        return topic;
      },
      async endOffsets(topic) {
        const offsets = await admin.fetchTopicOffsets(topic);
        return new Map(offsets.map((o) => [o.partition, BigInt(o.high)]));
      },
      async committedOffsets(groupId, topic) {
        const [entry] = await admin.fetchOffsets({ groupId, topics: [topic] });
        return new Map(
          (entry?.partitions ?? []).map((p) => [p.partition, BigInt(p.offset)] as const),
        );
      },
      async insertProducts(firstId, count, categoryId = 5) {
        await catalog.query(
          `INSERT INTO products (id, name, price, category_id, brand_id)
           SELECT id, 'Product ' || id, 10.00, $2, 1
             FROM generate_series($1::bigint, $1::bigint + $3 - 1) AS id`,
          [firstId, categoryId, count],
        );
      },
      async updatePrices(fromId, toId, batchSize) {
        for (let start = fromId; start <= toId; start += batchSize) {
          await catalog.query('UPDATE products SET price = price + 1 WHERE id BETWEEN $1 AND $2', [
            start,
            Math.min(toId, start + batchSize - 1),
          ]);
        }
      },
      close,
    };
    return pipeline;
  } catch (error) {
    await close().catch(() => undefined);
    throw error;
  }
}

/** Waits until `groupId` has committed every message of `topic` (the end offset of each partition). */
export async function waitForCaughtUp(
  pipeline: CdcPipeline,
  groupId: string,
  topic: string,
  timeoutMs = 120_000,
): Promise<Map<number, bigint>> {
  return waitFor(
    async () => {
      const [end, committed] = await Promise.all([
        pipeline.endOffsets(topic),
        pipeline.committedOffsets(groupId, topic),
      ]);
      for (const [partition, high] of end) {
        const done = committed.get(partition) ?? -1n;
        // A partition never written to has nothing to commit.
        if (high > 0n && done < high) return false;
      }
      return committed;
    },
    { timeoutMs, intervalMs: 250, what: `group ${groupId} caught up on ${topic}` },
  );
}

/** One message read back with its headers (the collector keeps none). */
export interface ReadMessage {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: string | null;
  headers: Record<string, string>;
}

/** Reads `topic` from the beginning until `predicate` has matched, returning all it read. */
export async function readTopicUntil(
  pipeline: CdcPipeline,
  topic: string,
  predicate: (messages: readonly ReadMessage[]) => boolean,
  timeoutMs = 60_000,
): Promise<ReadMessage[]> {
  const messages: ReadMessage[] = [];
  const consumer = pipeline.kafka.consumer({ groupId: `${topic}-reader-${String(Date.now())}` });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      eachMessage: ({ partition, message }) => {
        messages.push({
          topic,
          partition,
          offset: message.offset,
          key: message.key?.toString('utf8') ?? null,
          value: message.value?.toString('utf8') ?? null,
          headers: headersToStrings(message.headers ?? {}),
        });
        return Promise.resolve();
      },
    });
    await waitFor(() => predicate(messages), {
      timeoutMs,
      intervalMs: 100,
      what: `messages of ${topic}`,
    });
    return messages;
  } finally {
    await consumer.disconnect();
  }
}

function headersToStrings(headers: IHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined) out[name] = first.toString();
  }
  return out;
}

/** The parsed Debezium row of a collected message, or null for tombstones and truncates. */
export function rowOf(
  message: CollectedMessage,
): { op: string; id: string; snapshot: string | null } | null {
  if (message.value === null) return null;
  let event: {
    op?: string;
    before?: { id?: string } | null;
    after?: { id?: string } | null;
    source?: { snapshot?: unknown };
  };
  try {
    // Ids are compared as strings: the demo has a 64-bit id beyond Number's exact range.
    event = JSON.parse(message.value.replace(/"id":(\d+)/g, '"id":"$1"')) as typeof event;
  } catch {
    return null; // not a Debezium event (a test's poison message)
  }
  const id = event.after?.id ?? event.before?.id;
  if (id === undefined || event.op === undefined) return null;
  const snapshot = event.source?.snapshot;
  return {
    op: event.op,
    id,
    snapshot: typeof snapshot === 'string' && snapshot !== 'false' ? snapshot : null,
  };
}

/**
 * The promise "no offset is committed before its keys are deleted", checked once: reads the
 * offsets `groupId` committed on the products topic, then returns the update events below them
 * (among those of `ids`) whose key `existing` still reports. Keys are never set again by the
 * tests that use it, so a key still present below a committed offset is a broken promise.
 */
export async function keysBehindCommittedOffsets(
  pipeline: CdcPipeline,
  groupId: string,
  ids: ReadonlySet<string>,
  keyOf: (id: string) => string,
  existing: (keys: readonly string[]) => Promise<readonly string[]>,
): Promise<{ partition: number; offset: string; key: string }[]> {
  const topic = pipeline.topics.products;
  const committed = await pipeline.committedOffsets(groupId, topic);
  const behind = pipeline.collector.messages.flatMap((m) => {
    const row = m.topic === topic ? rowOf(m) : null;
    if (row?.op !== 'u' || !ids.has(row.id)) return [];
    const done = committed.get(m.partition) ?? -1n;
    return BigInt(m.offset) < done
      ? [{ partition: m.partition, offset: m.offset, key: keyOf(row.id) }]
      : [];
  });
  const present = new Set(await existing(behind.map((b) => b.key)));
  return behind.filter((b) => present.has(b.key));
}
