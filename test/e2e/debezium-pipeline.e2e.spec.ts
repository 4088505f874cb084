import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createIsolatedCatalog,
  deleteConnector,
  isolatedConnector,
  type IsolatedCatalog,
  registerConnector,
  uniqueName,
} from '#local-pipeline';
import { KafkaCollector, type CollectedMessage } from '../support/kafka-collector.js';

// Real PostgreSQL -> Debezium -> Kafka, on a copy of the demo catalog in a schema of its own and a
// connector derived from deploy/debezium/postgres-connector.json (the file the stack registers).

interface Envelope {
  op: string;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  source: Record<string, unknown>;
}

const parse = (m: CollectedMessage): Envelope => JSON.parse(m.value ?? 'null') as Envelope;
const isOp = (op: string, id?: number) => (m: CollectedMessage) => {
  if (m.value === null) return false;
  const event = parse(m);
  const row = event.after ?? event.before;
  return event.op === op && (id === undefined || row?.id === id);
};

describe('Debezium change events from the demo catalog', () => {
  let catalog: IsolatedCatalog;
  let collector: KafkaCollector;
  let connectorName: string;
  let productsTopic: string;

  beforeAll(async () => {
    catalog = await createIsolatedCatalog({ name: uniqueName('t_cdc') });
    connectorName = catalog.name;
    productsTopic = `${catalog.name}.${catalog.name}.products`;
    collector = await KafkaCollector.start([productsTopic], `${catalog.name}-reader`);
    await registerConnector(await isolatedConnector(connectorName));
    // The snapshot's last product proves the slot exists: changes from here on are streamed.
    await collector.waitFor(
      (m) =>
        m.value !== null &&
        ['last', 'last_in_data_collection'].includes(String(parse(m).source.snapshot)),
    );
  });

  afterAll(async () => {
    // beforeAll may have failed half-way: clean up what it got to.
    const started: Partial<{ collector: KafkaCollector; catalog: IsolatedCatalog }> = {
      collector,
      catalog,
    };
    await started.collector?.stop();
    await deleteConnector(connectorName);
    await started.catalog?.drop();
  });

  it('streams an UPDATE as op "u" with the full before and after images', async () => {
    await catalog.query('UPDATE products SET price = 80.00 WHERE id = 123');
    const message = await collector.waitFor(isOp('u', 123));
    const event = parse(message);
    expect(JSON.parse(message.key ?? '')).toEqual({ id: 123 });
    expect(event.before).toMatchObject({
      id: 123,
      name: 'Blue Widget',
      price: '100.00',
      category_id: 5,
      brand_id: 1,
    });
    expect(event.after).toMatchObject({
      id: 123,
      name: 'Blue Widget',
      price: '80.00',
      category_id: 5,
      brand_id: 1,
    });
    expect(event.source).toMatchObject({
      connector: 'postgresql',
      schema: catalog.name,
      table: 'products',
    });
    expect(typeof event.source.ts_ms).toBe('number');
  });

  it('streams a DELETE as op "d" followed by a tombstone with the same key', async () => {
    await catalog.query('DELETE FROM products WHERE id = 124');
    const deleted = await collector.waitFor(isOp('d', 124));
    expect(parse(deleted).before).toMatchObject({ id: 124, name: 'Red Widget', category_id: 5 });
    expect(parse(deleted).after).toBeNull();
    const tombstone = await collector.waitFor(
      (m) => m.value === null && m.key === deleted.key && BigInt(m.offset) > BigInt(deleted.offset),
    );
    expect(tombstone.partition).toBe(deleted.partition);
  });

  it('keeps 64-bit ids exact in the raw JSON', async () => {
    await catalog.query('UPDATE products SET price = 2.00 WHERE id = 9007199254740993');
    const message = await collector.waitFor(
      (m) => m.value !== null && m.value.includes('"id":9007199254740993') && parse(m).op === 'u',
    );
    expect(message.key).toBe('{"id":9007199254740993}');
  });

  it('streams a TRUNCATE as op "t" with no key', async () => {
    await catalog.query('TRUNCATE products');
    const message = await collector.waitFor(isOp('t'));
    expect(message.key).toBeNull();
    expect(parse(message).source).toMatchObject({ table: 'products', schema: catalog.name });
  });
});
