import type {
  ChangeEvent,
  ColumnValue,
  KafkaMessage,
  MessageOrigin,
  Row,
  SourceInfo,
} from './change-event-types.js';
import { DecodeError } from './debezium.errors.js';
import { parseLosslessJson } from './lossless-json-parser.js';

/**
 * What Debezium writes in an update's after-image for a TOASTed column the update did not touch
 * (PostgreSQL does not log its value). `unavailable.value.placeholder` default.
 */
export const UNAVAILABLE_VALUE = '__debezium_unavailable_value';

/** Topic prefix Debezium uses for heartbeats (`heartbeat.topics.prefix` default). */
export const HEARTBEAT_TOPIC_PREFIX = '__debezium-heartbeat.';

const utf8 = new TextDecoder('utf-8', { fatal: true });
const rowOps = new Set(['c', 'u', 'd', 'r']);

/**
 * Decodes one Kafka message written by Debezium's JSON converter, with or without the
 * `schema`/`payload` envelope. Pure: no I/O, no clock.
 *
 * @throws DecodeError (never retriable) when the key or value is not UTF-8 JSON of a known shape.
 */
export function decodeMessage(message: KafkaMessage): ChangeEvent {
  const origin = originOf(message);
  const { topic } = message;
  const key = decodeKey(message, origin);
  const value = unwrap(parseBytes(message.value, 'value', origin));
  if (value === null) {
    return topic.startsWith(HEARTBEAT_TOPIC_PREFIX)
      ? { kind: 'heartbeat', topic, tsMs: null }
      : { kind: 'tombstone', topic, key };
  }
  if (!isObject(value)) throw shapeError(origin, `the value is a ${typeName(value)}`);
  if (topic.startsWith(HEARTBEAT_TOPIC_PREFIX) || isHeartbeatValue(value)) {
    return { kind: 'heartbeat', topic, tsMs: millis(value.ts_ms) };
  }
  if ('op' in value) return decodeChange(value, key, origin);
  if (typeof value.type === 'string' && isObject(value.payload)) {
    return { kind: 'domain', topic, type: value.type, payload: value.payload, key };
  }
  throw shapeError(origin, 'the value has no "op", is not {"ts_ms"} and not {"type","payload"}');
}

/** Where `message` came from, for errors. */
export function originOf(message: KafkaMessage): MessageOrigin {
  const { topic, partition, offset } = message;
  // A consumed message has both: one object, no spreads (this runs for every message).
  if (partition !== undefined && offset !== undefined) return { topic, partition, offset };
  return {
    topic,
    ...(message.partition === undefined ? {} : { partition: message.partition }),
    ...(message.offset === undefined ? {} : { offset: message.offset }),
  };
}

/** The message key as a row of key columns (envelope stripped), or null. @throws DecodeError */
export function decodeKey(message: KafkaMessage, origin: MessageOrigin): Row | null {
  return asKeyRow(unwrap(parseBytes(message.key, 'key', origin)), origin);
}

function decodeChange(value: Row, key: Row | null, origin: MessageOrigin): ChangeEvent {
  const { op } = value;
  const source = decodeSource(value.source, origin);
  const table = `${source.schema}.${source.table}`;
  const tsMs = millis(value.ts_ms);
  if (op === 't') return { kind: 'truncate', op, topic: origin.topic, table, source, tsMs };
  if (typeof op !== 'string' || !rowOps.has(op)) {
    const shown = typeof op === 'string' ? JSON.stringify(op) : `a ${typeName(op ?? null)}`;
    throw shapeError(origin, `"op" is ${shown}, expected c, u, d, r or t`);
  }
  const before = image(value.before, 'before', origin);
  const after =
    op === 'u'
      ? withUnchangedToast(image(value.after, 'after', origin), before)
      : image(value.after, 'after', origin);
  const required = op === 'd' ? before : after;
  if (required === null) {
    throw shapeError(origin, `op "${op}" needs a "${op === 'd' ? 'before' : 'after'}" image`);
  }
  const rowOp = op as 'c' | 'u' | 'd' | 'r';
  return { kind: 'row', op: rowOp, topic: origin.topic, table, key, before, after, source, tsMs };
}

/**
 * An update's after-image with each {@link UNAVAILABLE_VALUE} replaced by the before-image's value
 * of that column, when the before-image has one (REPLICA IDENTITY FULL): the placeholder means the
 * column did not change, so that is its value. Without one the placeholder stays for the rules to
 * report.
 */
function withUnchangedToast(after: Row | null, before: Row | null): Row | null {
  if (after === null || before === null) return after;
  let filled: Record<string, ColumnValue> | null = null;
  for (const [column, value] of Object.entries(after)) {
    const previous = before[column];
    if (value !== UNAVAILABLE_VALUE || previous === undefined || previous === UNAVAILABLE_VALUE) {
      continue;
    }
    filled ??= { ...after };
    filled[column] = previous;
  }
  return filled ?? after;
}

export function decodeSource(raw: ColumnValue | undefined, origin: MessageOrigin): SourceInfo {
  if (raw === undefined || !isObject(raw)) throw shapeError(origin, '"source" must be an object');
  const { schema, table } = raw;
  if (typeof schema !== 'string' || typeof table !== 'string') {
    throw shapeError(origin, '"source.schema" and "source.table" must be strings');
  }
  return {
    version: text(raw.version),
    connector: text(raw.connector),
    name: text(raw.name),
    tsMs: millis(raw.ts_ms),
    snapshot: text(raw.snapshot),
    db: text(raw.db),
    schema,
    table,
    txId: typeof raw.txId === 'bigint' ? raw.txId : null,
    lsn: typeof raw.lsn === 'bigint' ? raw.lsn : null,
    raw,
  };
}

function parseBytes(
  bytes: Uint8Array | string | null,
  part: 'key' | 'value',
  origin: MessageOrigin,
): ColumnValue {
  if (bytes === null) return null;
  let json: string;
  try {
    json = typeof bytes === 'string' ? bytes : utf8.decode(bytes);
  } catch (error) {
    throw new DecodeError('INVALID_UTF8', `the ${part} is not UTF-8`, origin, error);
  }
  try {
    return parseLosslessJson(json);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new DecodeError('INVALID_JSON', `the ${part} is not JSON (${reason})`, origin, error);
  }
}

/** Strips the JSON converter's `{"schema":…,"payload":…}` envelope when present. */
function unwrap(value: ColumnValue): ColumnValue {
  if (!isObject(value)) return value;
  const keys = Object.keys(value);
  if (keys.length !== 2 || !('schema' in value) || !('payload' in value)) return value;
  return value.payload ?? null;
}

function asKeyRow(value: ColumnValue, origin: MessageOrigin): Row | null {
  if (value === null) return null;
  if (isObject(value)) return value;
  throw shapeError(origin, `the key is a ${typeName(value)}, expected an object of key columns`);
}

function image(value: ColumnValue | undefined, name: string, origin: MessageOrigin): Row | null {
  if (value === undefined || value === null) return null;
  if (isObject(value)) return value;
  throw shapeError(origin, `"${name}" is a ${typeName(value)}, expected an object or null`);
}

function isHeartbeatValue(value: Row): boolean {
  const keys = Object.keys(value);
  return keys.length === 1 && keys[0] === 'ts_ms';
}

function isObject(value: ColumnValue | undefined): value is Row {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function millis(value: ColumnValue | undefined): number | null {
  if (typeof value === 'bigint') return Number(value);
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

function text(value: ColumnValue | undefined): string | null {
  return typeof value === 'string' ? value : null;
}

function typeName(value: ColumnValue): string {
  if (value === null) return 'null';
  return Array.isArray(value) ? 'array' : typeof value;
}

function shapeError(origin: MessageOrigin, detail: string): DecodeError {
  return new DecodeError('UNEXPECTED_SHAPE', `not a Debezium message: ${detail}`, origin);
}
