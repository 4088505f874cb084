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
  keyRow,
  millis,
  originOf,
  UNAVAILABLE_VALUE,
} from './debezium-decoder.js';
import { JsonCursor, NotSimpleJson } from './json-cursor.js';

/**
 * The columns of a table's row images that the caller reads, by schema-qualified table
 * (`public.products`); undefined when they are not known, and then every column is decoded.
 */
export type ColumnProjection = (table: string) => ReadonlySet<string> | undefined;

const utf8 = new TextDecoder('utf-8', { fatal: true });
const ROW_OPS = new Set(['c', 'u', 'd', 'r']);
/** The members of `source` that `SourceInfo` types; a partial event's `source.raw` has only these. */
const SOURCE_FIELDS: readonly string[] = [
  'version',
  'connector',
  'name',
  'ts_ms',
  'snapshot',
  'db',
  'schema',
  'table',
  'txId',
  'lsn',
];
/** The members of a Debezium value read here (`schema` and `payload` mean the envelope). */
const MEMBERS = ['op', 'source', 'ts_ms', 'before', 'after', 'schema', 'payload'] as const;
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
 * notes where the members are, then only `op`, the typed `source` fields, `ts_ms`, the key and
 * the named columns are read (integers exact, as `bigint`; escapes decoded). The result is a row
 * event with `partial: true`; everything but the unnamed columns and the untyped `source.raw`
 * members is what the full decoder gives.
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
  const key = projectedKey(message, origin);
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
  const columns = columnsOf(table);
  // Truncates are rare and carry no rows: the full decoder gives them their whole source.
  if (!ROW_OPS.has(op) || columns === undefined) return undefined;
  const before = project(cursor, envelope.before, columns);
  const after = project(cursor, envelope.after, columns);
  if (op === 'u') fillUnchanged(after, before);
  if ((op === 'd' ? before : after) === null) return undefined;
  return {
    kind: 'row',
    op: op as RowChangeEvent['op'],
    topic,
    table,
    key,
    before,
    after,
    source: decodeSource(source, origin),
    tsMs: millis(envelope.tsMs),
    partial: true,
  };
}

/** The key as the full decoder gives it (or its error), read with the cursor when it can. */
function projectedKey(message: KafkaMessage, origin: MessageOrigin): Row | null {
  const bytes = message.key;
  if (bytes === null) return null;
  const text = typeof bytes === 'string' ? bytes : utf8Text(bytes);
  if (text !== undefined) {
    try {
      const cursor = new JsonCursor(text);
      const value = cursor.readValue();
      cursor.end();
      return keyRow(value, origin);
    } catch (error) {
      if (!(error instanceof NotSimpleJson)) throw error;
    }
  }
  return decodeKey(message, origin);
}

/**
 * What the full decoder does to an update's after-image (see `withUnchangedToast`), in place on
 * the projected rows: an unchanged TOASTed placeholder takes the before-image's value.
 */
function fillUnchanged(after: Record<string, ColumnValue> | null, before: Row | null): void {
  if (after === null || before === null) return;
  for (const column in after) {
    if (after[column] !== UNAVAILABLE_VALUE) continue;
    const previous = before[column];
    if (previous !== undefined && previous !== UNAVAILABLE_VALUE) after[column] = previous;
  }
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
    const index = cursor.memberIn(MEMBERS);
    const member = MEMBERS[index];
    if (member === undefined) {
      cursor.skipValue();
      continue;
    }
    // A member written twice: JSON.parse keeps the last, the careful parser throws. Not ours.
    if ((seen & (1 << index)) !== 0) throw new NotSimpleJson();
    seen |= 1 << index;
    readMember(cursor, member, envelope);
  } while (cursor.more(CLOSE_BRACE));
  cursor.end();
  return envelope;
}

/** Reads one member of the value into `envelope`. */
function readMember(
  cursor: JsonCursor,
  member: (typeof MEMBERS)[number],
  envelope: Envelope,
): void {
  switch (member) {
    case 'op': {
      const op = cursor.readValue();
      if (typeof op !== 'string') throw new NotSimpleJson();
      envelope.op = op;
      return;
    }
    case 'source':
      envelope.source = scanSource(cursor);
      return;
    case 'ts_ms':
      envelope.tsMs = cursor.readValue();
      return;
    case 'before':
      envelope.before = scanImage(cursor);
      return;
    case 'after':
      envelope.after = scanImage(cursor);
      return;
    case 'schema':
    case 'payload':
      // The `schema`/`payload` envelope (or something like it): the full decoder unwraps it.
      throw new NotSimpleJson();
  }
}

/** The typed members of `source` ({@link SOURCE_FIELDS}); anything but an object as it is. */
function scanSource(cursor: JsonCursor): ColumnValue {
  if (cursor.peek() !== OPEN_BRACE) return cursor.readValue();
  cursor.pos += 1;
  const source: Record<string, ColumnValue> = {};
  if (cursor.peek() === CLOSE_BRACE) {
    cursor.pos += 1;
    return source;
  }
  let seen = 0;
  do {
    const index = cursor.memberIn(SOURCE_FIELDS);
    const field = SOURCE_FIELDS[index];
    if (field === undefined) {
      cursor.skipValue(1);
      continue;
    }
    if ((seen & (1 << index)) !== 0) throw new NotSimpleJson();
    seen |= 1 << index;
    source[field] = cursor.readValue(1);
  } while (cursor.more(CLOSE_BRACE));
  return source;
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
): Record<string, ColumnValue> | null {
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
    // A plain assignment would set the prototype: the full decoder takes that column.
    if (column === '__proto__') throw new NotSimpleJson();
    cursor.seek(at);
    row[column] = cursor.readValue(1);
  }
  return row;
}

function isObject(value: ColumnValue | undefined): value is Row {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
