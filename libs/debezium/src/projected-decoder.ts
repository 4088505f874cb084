import type {
  ChangeEvent,
  ColumnValue,
  KafkaMessage,
  MessageOrigin,
  Row,
  RowChangeEvent,
} from './change-event.types.js';
import {
  decodeKey,
  decodeMessage,
  decodeSource,
  HEARTBEAT_TOPIC_PREFIX,
  millis,
  originOf,
  withUnchangedToast,
} from './debezium-decoder.js';
import { JsonCursor, NotSimpleJson, setOwn } from './json-cursor.js';

/**
 * The columns of a table's row images that the caller reads, by schema-qualified table
 * (`public.products`); undefined when they are not known, and then every column is decoded.
 */
export type ColumnProjection = (table: string) => ReadonlySet<string> | undefined;

const utf8 = new TextDecoder('utf-8', { fatal: true });
const ROW_OPS = new Set(['c', 'u', 'd', 'r']);
const QUOTE = 0x22;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const COLON = 0x3a;

/** Where each member of a row image sits in the text: key start, key end, value start; flat. */
type ImageSpans = number[];

/** The members of a Debezium value the projection reads; `unread` until the scan meets them. */
interface Envelope {
  op: string | null;
  source: ColumnValue | undefined;
  before: ImageSpans | null | undefined;
  after: ImageSpans | null | undefined;
  tsMs: ColumnValue | undefined;
}

const unread: Readonly<Envelope> = {
  op: null,
  source: undefined,
  before: undefined,
  after: undefined,
  tsMs: undefined,
};

/**
 * Decodes one Debezium message like {@link decodeMessage}, but materialises of each row image
 * only the columns `columnsOf` names for its table: one pass over the text checks it is JSON and
 * notes where the members are, then only `op`, `source`, `ts_ms`, the key and the named columns
 * are read (integers exact, as `bigint`; escapes decoded). The result is a row event with
 * `partial: true`; everything but the unnamed columns is what the full decoder gives.
 *
 * Anything unusual goes to the full decoder, which gives the full event or the same
 * `DecodeError` as always: a value that is not UTF-8 or not JSON, the `schema`/`payload`
 * envelope, a heartbeat, a domain event, an unknown op, a missing image, a duplicate member the
 * projection needs, a table whose columns are not known, nesting deeper than 64 levels.
 *
 * @throws DecodeError (never retriable), exactly when {@link decodeMessage} would.
 */
export function decodeProjected(message: KafkaMessage, columnsOf: ColumnProjection): ChangeEvent {
  const origin = originOf(message);
  // The key first, as the full decoder does, so a bad key fails the same way.
  const key = decodeKey(message, origin);
  try {
    const event = projectedRow(message, origin, key, columnsOf);
    if (event !== undefined) return event;
  } catch (error) {
    if (!(error instanceof NotSimpleJson)) throw error;
  }
  return decodeMessage(message);
}

function projectedRow(
  message: KafkaMessage,
  origin: MessageOrigin,
  key: Row | null,
  columnsOf: ColumnProjection,
): ChangeEvent | undefined {
  const { topic, value } = message;
  if (value === null || topic.startsWith(HEARTBEAT_TOPIC_PREFIX)) return undefined;
  const text = typeof value === 'string' ? value : utf8Text(value);
  if (text === undefined) return undefined;
  const cursor = new JsonCursor(text);
  const envelope = scanEnvelope(cursor);
  const { op, source } = envelope;
  if (op === null || source === undefined || !isObject(source)) return undefined;
  const { schema, table: tableName } = source;
  if (typeof schema !== 'string' || typeof tableName !== 'string') return undefined;
  const table = `${schema}.${tableName}`;
  const decodedSource = decodeSource(source, origin);
  const tsMs = millis(envelope.tsMs);
  if (op === 't') return { kind: 'truncate', op, topic, table, source: decodedSource, tsMs };
  const columns = columnsOf(table);
  if (!ROW_OPS.has(op) || columns === undefined) return undefined;
  const before = project(cursor, envelope.before, columns);
  const rawAfter = project(cursor, envelope.after, columns);
  const after = op === 'u' ? withUnchangedToast(rawAfter, before) : rawAfter;
  if ((op === 'd' ? before : after) === null) return undefined;
  const event: RowChangeEvent = {
    kind: 'row',
    op: op as RowChangeEvent['op'],
    topic,
    table,
    key,
    before,
    after,
    source: decodedSource,
    tsMs,
    partial: true,
  };
  return event;
}

function utf8Text(bytes: Uint8Array): string | undefined {
  try {
    return utf8.decode(bytes);
  } catch {
    return undefined;
  }
}

/**
 * Walks the whole value once, checking it is JSON: reads `op`, `source` and `ts_ms`, notes where
 * the images' members are, skips everything else.
 */
function scanEnvelope(cursor: JsonCursor): Envelope {
  const envelope: Envelope = { ...unread };
  cursor.expect(OPEN_BRACE);
  if (cursor.peek() === CLOSE_BRACE) throw new NotSimpleJson();
  let seen = 0;
  do {
    const member = cursor.readString();
    cursor.expect(COLON);
    const bit = readMember(cursor, member, envelope);
    // A member written twice: JSON.parse keeps the last, the careful parser throws. Not ours.
    if ((seen & bit) !== 0) throw new NotSimpleJson();
    seen |= bit;
  } while (cursor.more(CLOSE_BRACE));
  cursor.end();
  return envelope;
}

/** Reads one member of the value into `envelope`; a bit for each member it keeps, else 0. */
function readMember(cursor: JsonCursor, member: string, envelope: Envelope): number {
  switch (member) {
    case 'op': {
      const op = cursor.readValue();
      if (typeof op !== 'string') throw new NotSimpleJson();
      envelope.op = op;
      return 1;
    }
    case 'source':
      envelope.source = cursor.readValue();
      return 2;
    case 'ts_ms':
      envelope.tsMs = cursor.readValue();
      return 4;
    case 'before':
      envelope.before = scanImage(cursor);
      return 8;
    case 'after':
      envelope.after = scanImage(cursor);
      return 16;
    case 'schema':
    case 'payload':
      // The `schema`/`payload` envelope (or something like it): the full decoder unwraps it.
      throw new NotSimpleJson();
    default:
      cursor.skipValue();
      return 0;
  }
}

/** Null for a null image; otherwise where its members are. Throws for anything but an object. */
function scanImage(cursor: JsonCursor): ImageSpans | null {
  const code = cursor.peek();
  if (code !== OPEN_BRACE) {
    if (cursor.readValue() === null) return null;
    throw new NotSimpleJson();
  }
  cursor.pos += 1;
  const spans: ImageSpans = [];
  if (cursor.peek() === CLOSE_BRACE) {
    cursor.pos += 1;
    return spans;
  }
  do {
    if (cursor.peek() !== QUOTE) throw new NotSimpleJson();
    const keyStart = cursor.pos + 1;
    // A column name with escapes cannot be compared in place: the full decoder takes it.
    if (cursor.skipString()) throw new NotSimpleJson();
    const keyEnd = cursor.pos - 1;
    cursor.expect(COLON);
    cursor.peek();
    spans.push(keyStart, keyEnd, cursor.pos);
    cursor.skipValue(1);
  } while (cursor.more(CLOSE_BRACE));
  return spans;
}

/** The named columns of an image, read where the scan found them. */
function project(
  cursor: JsonCursor,
  spans: ImageSpans | null | undefined,
  columns: ReadonlySet<string>,
): Row | null {
  if (spans === null || spans === undefined) return null;
  const row: Record<string, ColumnValue> = {};
  const { text } = cursor;
  for (const column of columns) {
    let at = -1;
    for (let i = 0; i < spans.length; i += 3) {
      const keyStart = spans[i] ?? 0;
      if ((spans[i + 1] ?? 0) - keyStart !== column.length) continue;
      if (!text.startsWith(column, keyStart)) continue;
      // A duplicate column: JSON.parse keeps the last, the careful parser throws; not ours to pick.
      if (at !== -1) throw new NotSimpleJson();
      at = spans[i + 2] ?? 0;
    }
    if (at === -1) continue;
    cursor.pos = at;
    setOwn(row, column, cursor.readValue(1));
  }
  return row;
}

function isObject(value: ColumnValue | undefined): value is Row {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
