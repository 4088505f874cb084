import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import {
  CleanupStack,
  committedOffsets,
  createIsolatedCatalog,
  createTopicsWithLeaders,
  DEMO_TABLES,
  dropConnector,
  endOffsets,
  endpoints,
  isolatedConnector,
  isolatedRules,
  registerConnector,
  uniqueName,
  waitForCaughtUp as waitForGroup,
  type DemoTable,
  type IsolatedCatalog,
} from '#local-pipeline';
import { rowOf } from './debezium-rows.js';

import { KafkaCollector, type CollectedMessage } from './kafka-collector.js';

/** Options of {@link createCdcPipeline}. */
export interface CdcPipelineOptions {
  /** Creates the products topic with this many partitions before the connector writes to it. */
  productsPartitions?: number;
  /** Connector settings that win over the isolated connector's (e.g. `slot.drop.on.stop`). */
  connectorOverrides?: Readonly<Record<string, string>>;
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
  readonly topics: Readonly<Record<DemoTable, string>>;
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
export function isSnapshotEnd(message: CollectedMessage): boolean {
  const snapshot = rowOf(message)?.snapshot;
  return snapshot === 'last' || snapshot === 'last_in_data_collection';
}

/**
 * Builds a pipeline and returns once Debezium has finished its snapshot of all three tables, so
 * every change made from then on is streamed. `close()` undoes whatever was set up, even half-way.
 */
export async function createCdcPipeline(
  label: string,
  options: CdcPipelineOptions = {},
): Promise<CdcPipeline> {
  const cleanup = new CleanupStack();
  const close = () => cleanup.runAllOrThrow();
  try {
    const catalog = await createIsolatedCatalog({ name: uniqueName(`t_${label}`) });
    cleanup.push('drop schema', () => catalog.drop());
    const name = catalog.name;
    const keyPrefix = `${name}:`;
    const topics = Object.fromEntries(
      DEMO_TABLES.map((table) => [table, `${name}.${name}.${table}`]),
    ) as Record<DemoTable, string>;

    const dir = await mkdtemp(join(tmpdir(), `${name}-`));
    cleanup.push('remove rules directory', () => rm(dir, { recursive: true, force: true }));
    const rulesPath = join(dir, 'catalog.yaml');
    await writeFile(rulesPath, await isolatedRules(name, keyPrefix));

    const kafka = new Kafka({
      clientId: `${name}-test`,
      brokers: [...endpoints.kafkaBrokers],
      logLevel: logLevel.ERROR,
    });
    const admin = kafka.admin();
    await admin.connect();
    cleanup.push('disconnect Kafka admin', () => admin.disconnect());
    const created: string[] = [];
    cleanup.push('delete topics', async () => {
      if (created.length > 0) await admin.deleteTopics({ topics: created });
    });
    const createTopic = async (topic: string, partitions?: number): Promise<void> => {
      created.push(topic);
      await createTopicsWithLeaders(admin, [
        { topic, ...(partitions === undefined ? {} : { numPartitions: partitions }) },
      ]);
    };
    // Debezium and the collector would create these with the broker's default partition count.
    for (const table of DEMO_TABLES) {
      await createTopic(
        topics[table],
        table === 'products' ? options.productsPartitions : undefined,
      );
    }

    const collector = await KafkaCollector.start(Object.values(topics), `${name}-collector`);
    cleanup.push('stop collector', () => collector.stop());

    cleanup.push('delete connector and slot', () => dropConnector(name, catalog.pool));
    await registerConnector(await isolatedConnector(name, options.connectorOverrides));
    for (const topic of Object.values(topics)) {
      await collector.waitFor((m) => m.topic === topic && isSnapshotEnd(m), 120_000);
    }

    return {
      catalog,
      name,
      topics,
      keyPrefix,
      rulesPath,
      databaseUrl: catalog.databaseUrl,
      collector,
      admin,
      kafka,
      key: (key) => keyPrefix + key,
      async createTopic(suffix, partitions = 1) {
        const topic = `${name}.${suffix}`;
        await createTopic(topic, partitions);
        return topic;
      },
      endOffsets: (topic) => endOffsets(admin, topic),
      committedOffsets: (groupId, topic) => committedOffsets(admin, groupId, topic),
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
  } catch (error) {
    await close().catch(() => undefined);
    throw error;
  }
}

/** Waits until `groupId` has committed every message of `topic` (the end offset of each partition). */
export function waitForCaughtUp(
  pipeline: CdcPipeline,
  groupId: string,
  topic: string,
  timeoutMs = 120_000,
): Promise<Map<number, bigint>> {
  return waitForGroup(pipeline.admin, groupId, [topic], { timeoutMs });
}
