import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeMessage, DecodeError, HEARTBEAT_TOPIC_PREFIX, UNAVAILABLE_VALUE } from './index.js';

const fixture = (name: string): string =>
  readFileSync(new URL(`../../../test/fixtures/debezium/${name}`, import.meta.url), 'utf8');
const topic = 'catalog.public.products';
const decode = (name: string, at = topic) =>
  decodeMessage({ topic: at, key: null, value: fixture(name) });

/** A captured message (`{topic, key, value}`) with its value re-serialized, optionally edited. */
const captured = (
  name: string,
  edit: (value: Record<string, unknown>) => void = () => undefined,
) => {
  const message = JSON.parse(fixture(name)) as {
    topic: string;
    key: string;
    value: Record<string, unknown>;
  };
  edit(message.value);
  return decodeMessage({
    topic: message.topic,
    key: message.key,
    value: JSON.stringify(message.value),
  });
};

describe('decodeMessage', () => {
  it('decodes a create with source info, exact integers and decimal strings', () => {
    const event = decode('hand-product-create.json');
    expect(event).toMatchObject({ kind: 'row', op: 'c', table: 'public.products', before: null });
    if (event.kind !== 'row') throw new Error('expected a row event');
    expect(event.after).toMatchObject({ id: 1001n, price: '249.90', category_id: 5n });
    expect(event.source).toMatchObject({
      schema: 'public',
      table: 'products',
      tsMs: 1732612530123,
    });
    expect(event.source.lsn).toBe(24023928n);
    expect(event.tsMs).toBe(1732612530456);
  });

  it('keeps 64-bit ids beyond 2^53 exact as bigint', () => {
    const event = decode('hand-product-create-bigint.json');
    if (event.kind !== 'row') throw new Error('expected a row event');
    expect(event.after?.id).toBe(9223372036854775807n);
    expect(event.after?.category_id).toBe(9007199254740993n);
  });

  it('decodes the schema/payload envelope like the bare value', () => {
    const bare = decode('hand-product-create.json');
    expect(decode('hand-product-create-enveloped.json')).toEqual(bare);
  });

  it('decodes updates with a full, a key-only and no before-image', () => {
    const full = decode('hand-product-update-full.json');
    const keyOnly = decode('hand-product-update-key-only.json');
    const none = decode('hand-product-update-no-before.json');
    expect(full).toMatchObject({
      op: 'u',
      before: { category_id: 5n },
      after: { category_id: 7n },
    });
    expect(keyOnly).toMatchObject({ op: 'u', before: { id: 1001n } });
    expect(none).toMatchObject({ op: 'u', before: null });
  });

  it('decodes deletes and snapshot reads', () => {
    expect(decode('hand-product-delete.json')).toMatchObject({ op: 'd', after: null });
    const read = decode('hand-product-read.json');
    expect(read).toMatchObject({ op: 'r', source: { snapshot: 'true' } });
  });

  it('decodes a truncate without key or rows', () => {
    expect(decode('hand-products-truncate.json')).toMatchObject({
      kind: 'truncate',
      op: 't',
      table: 'public.products',
    });
  });

  it('reads a null value, the literal null and a null payload as a tombstone', () => {
    const key = '{"id":1001}';
    expect(decodeMessage({ topic, key, value: null })).toEqual({
      kind: 'tombstone',
      topic,
      key: { id: 1001n },
    });
    expect(decode('hand-product-tombstone.json')).toMatchObject({ kind: 'tombstone' });
    expect(decodeMessage({ topic, key: null, value: '{"schema":null,"payload":null}' }).kind).toBe(
      'tombstone',
    );
  });

  it('unwraps an enveloped key', () => {
    const key = '{"schema":{"type":"struct"},"payload":{"id":12345678901234567890}}';
    const event = decodeMessage({ topic, key, value: null });
    expect(event).toMatchObject({ kind: 'tombstone', key: { id: 12345678901234567890n } });
  });

  it('recognises heartbeats by topic and by a value holding only ts_ms', () => {
    expect(decode('hand-heartbeat.json', 'catalog.heartbeats')).toEqual({
      kind: 'heartbeat',
      topic: 'catalog.heartbeats',
      tsMs: 1732612999000,
    });
    const hbTopic = `${HEARTBEAT_TOPIC_PREFIX}catalog`;
    expect(
      decodeMessage({ topic: hbTopic, key: '{"serverName":"catalog"}', value: null }).kind,
    ).toBe('heartbeat');
  });

  it('decodes a domain event with its payload', () => {
    expect(decode('hand-domain-product-updated.json', 'outbox.event.product')).toMatchObject({
      kind: 'domain',
      type: 'product.updated',
      payload: { id: 1001n, category_id: 7n },
    });
  });

  it('accepts bytes', () => {
    const value = new TextEncoder().encode(fixture('hand-product-create.json'));
    expect(decodeMessage({ topic, key: null, value }).kind).toBe('row');
  });

  it.each([
    ['not JSON', '{"op":', 'DEBEZIUM_INVALID_JSON'],
    ['an array', '[1]', 'DEBEZIUM_UNEXPECTED_SHAPE'],
    [
      'an unknown op',
      '{"op":"x","source":{"schema":"public","table":"t"}}',
      'DEBEZIUM_UNEXPECTED_SHAPE',
    ],
    ['no source', '{"op":"c","after":{}}', 'DEBEZIUM_UNEXPECTED_SHAPE'],
    [
      'a create without after',
      '{"op":"c","source":{"schema":"s","table":"t"}}',
      'DEBEZIUM_UNEXPECTED_SHAPE',
    ],
    ['an unknown object', '{"hello":"world"}', 'DEBEZIUM_UNEXPECTED_SHAPE'],
  ])('rejects %s with a typed, non-retriable error', (_name, value, code) => {
    const decodeBad = () => decodeMessage({ topic, partition: 2, offset: '17', key: null, value });
    expect(decodeBad).toThrow(DecodeError);
    try {
      decodeBad();
    } catch (error) {
      expect(error).toMatchObject({ code, retriable: false, topic, partition: 2, offset: '17' });
      expect((error as Error).message).toMatch(
        /^topic catalog\.public\.products, partition 2, offset 17: /,
      );
    }
  });

  it('rejects bytes that are not UTF-8', () => {
    const value = new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]);
    expect(() => decodeMessage({ topic, key: null, value })).toThrow(/not UTF-8/);
  });

  it('rejects a key that is not an object', () => {
    expect(() => decodeMessage({ topic, key: '42', value: null })).toThrow(DecodeError);
  });

  describe('an update that left a TOASTed column unchanged', () => {
    it('REPLICA IDENTITY DEFAULT: keeps the placeholder, there is nothing to take the value from', () => {
      const event = captured('captured-update-toast-unchanged-default.json');
      if (event.kind !== 'row') throw new Error('expected a row event');
      expect(event.before).toBeNull();
      expect(event.after?.description).toBe(UNAVAILABLE_VALUE);
    });

    it('REPLICA IDENTITY FULL: takes a placeholder in the after-image from the before-image', () => {
      const real = captured('captured-update-toast-unchanged-full.json');
      const placeholder = captured('captured-update-toast-unchanged-full.json', (value) => {
        (value.after as Record<string, unknown>).description = UNAVAILABLE_VALUE;
      });
      if (real.kind !== 'row' || placeholder.kind !== 'row') throw new Error('expected rows');
      expect(real.after?.description).toHaveLength(10_240);
      expect(placeholder.after).toEqual(real.after);
    });
  });
});
