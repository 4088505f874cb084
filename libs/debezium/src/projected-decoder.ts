import type {
  ChangeEvent,
  ColumnValue,
  KafkaMessage,
  MessageOrigin,
  Row,
  RowChangeEvent,
} from './change-event-types.js';
import {
  decodeKey,
  decodeMessage,
  decodeSource,
  HEARTBEAT_TOPIC_PREFIX,
  millis,
  originOf,
  UNAVAILABLE_VALUE,
} from './debezium-decoder.js';
import { keyBytes, projectBytes, SOURCE_FIELDS, type ProjectedParts } from './byte-projection.js';

/**
 * The columns of a table's row images that the caller reads, by schema-qualified table
 * (`public.products`); undefined when they are not known, and then every column is decoded.
 */
export type ColumnProjection = (table: string) => ReadonlySet<string> | undefined;

const utf8 = new TextDecoder('utf-8', { fatal: true });
const ROW_OPS = new Set(['c', 'u', 'd', 'r']);

/** A digit followed by what starts a fraction or an exponent: where a non-integer may be. */
const DIGIT_THEN_FRACTION = /\d[.eE]/g;

/** Integers below this are exact in a double: `BigInt(value)` is the literal's own value. */
const EXACT_BELOW = 1e15;

/** Thrown where the projection cannot be exact; the full decoder takes the message. */
class NotProjectable extends Error {}
const NOT_PROJECTABLE = new NotProjectable('not projectable');

/**
 * Decodes one Debezium message like {@link decodeMessage}, but turns of each row image only the
 * columns `columnsOf` names for its table into column values, and of `source` only the fields
 * `SourceInfo` types. The result is a row event with `partial: true`; everything else is what
 * the full decoder gives.
 *
 * A value's bytes are read in place ({@link projectBytes}: the whole value validated as UTF-8
 * JSON, only what is read materialised, numbers exact from their literals). What that does not
 * take (a string value, a byte-order mark, an escaped member name, deep nesting) is parsed by
 * `JSON.parse`: when the text has no number literal with a fraction or an exponent, every number
 * is an integer literal and each one read is exact as a `bigint` if below 10^15.
 *
 * Anything unusual goes to the full decoder, which gives the full event or the same
 * `DecodeError` as always: a value that is not UTF-8 or not JSON, on the `JSON.parse` path a
 * fraction or exponent literal anywhere or a number read of 10^15 or more, an object or array in
 * a projected column, the `schema`/`payload` envelope, heartbeats, domain events, truncates, an
 * unknown op, a missing image, a table whose columns are not known.
 *
 * One difference: a member the rules do not read that nests deeper than the full decoder's
 * recursion allows (tens of thousands of levels; still valid JSON) is decoded here, where the full
 * decoder reports `DEBEZIUM_INVALID_JSON`.
 *
 * @throws DecodeError (never retriable) when {@link decodeMessage} would, but for that case.
 */
export function decodeProjected(message: KafkaMessage, columnsOf: ColumnProjection): ChangeEvent {
  const origin = originOf(message);
  // The key first, as the full decoder does, so a bad key fails the same way.
  const bytes = message.key;
  const key =
    (bytes === null || typeof bytes === 'string' ? undefined : keyBytes(bytes)) ??
    decodeKey(message, origin);
  try {
    const event = projectedRow(message, origin, key, columnsOf);
    if (event !== undefined) return event;
  } catch (error) {
    if (!(error instanceof NotProjectable)) throw error;
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
  if (topic.startsWith(HEARTBEAT_TOPIC_PREFIX) || value === null) return undefined;
  const parts =
    (typeof value === 'string' ? undefined : projectBytes(value, columnsOf)) ??
    projectParsed(value, columnsOf);
  if (parts === undefined || !ROW_OPS.has(parts.op)) return undefined;
  const { op, table, before, after } = parts;
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
    source: decodeSource(parts.source, origin),
    tsMs: millis(parts.tsMs),
    partial: true,
  };
}

/**
 * The parts through `JSON.parse`, for what {@link projectBytes} does not take (a string value,
 * a byte-order mark, escaped member names, deep nesting).
 */
function projectParsed(
  bytes: Uint8Array | string,
  columnsOf: ColumnProjection,
): ProjectedParts | undefined {
  const value = parseValue(bytes);
  if (value === undefined || 'payload' in value) return undefined;
  const { op, source } = value;
  if (typeof op !== 'string' || !isRecord(source)) return undefined;
  const { schema, table: tableName } = source;
  if (typeof schema !== 'string' || typeof tableName !== 'string') return undefined;
  const table = `${schema}.${tableName}`;
  const columns = columnsOf(table);
  if (columns === undefined) return undefined;
  return {
    op,
    table,
    before: project(value.before, columns),
    after: project(value.after, columns),
    source: typedSource(source),
    tsMs: exact(value.ts_ms),
  };
}

/** The value as `JSON.parse` gives it, when it is an object whose numbers are all integers. */
function parseValue(bytes: Uint8Array | string): Record<string, unknown> | undefined {
  let text: string;
  let parsed: unknown;
  try {
    text = typeof bytes === 'string' ? bytes : utf8.decode(bytes);
    if (hasFractionOrExponent(text)) return undefined;
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  return isRecord(parsed) ? parsed : undefined;
}

/**
 * Whether a member value of `text` may be a number with a fraction or an exponent (the values
 * read here are all member values: array elements never are). Such a literal is a digit run after
 * a key's closing quote, a colon, whitespace and maybe a sign, so a time inside a string
 * (`"01:14:28.5"`) or a version (`"3.6.1"`) does not count. Any doubt counts: a false alarm only
 * costs a fallback, a miss never happens.
 */
function hasFractionOrExponent(text: string): boolean {
  DIGIT_THEN_FRACTION.lastIndex = 0;
  // `test` advances `lastIndex` like `exec` without building a match array per hit.
  while (DIGIT_THEN_FRACTION.test(text)) {
    let i = DIGIT_THEN_FRACTION.lastIndex - 2;
    while (i >= 0 && isDigit(text.charCodeAt(i))) i -= 1;
    if (text[i] === '-') i -= 1;
    i = skipSpaceBack(text, i);
    if (text[i] === ':' && text[skipSpaceBack(text, i - 1)] === '"') return true;
  }
  return false;
}

function isDigit(code: number): boolean {
  return code >= 0x30 && code <= 0x39;
}

/** The index of the last non-whitespace character at or before `from`. */
function skipSpaceBack(text: string, from: number): number {
  let i = from;
  while (text[i] === ' ' || text[i] === '\n' || text[i] === '\r' || text[i] === '\t') i -= 1;
  return i;
}

/** A scalar as the lossless parser gives it; objects and arrays are not projected. */
function exact(value: unknown): ColumnValue | undefined {
  switch (typeof value) {
    case 'bigint':
    case 'function':
    case 'symbol':
      throw NOT_PROJECTABLE;
    case 'number':
      if (Math.abs(value) >= EXACT_BELOW) throw NOT_PROJECTABLE;
      return BigInt(value);
    case 'string':
    case 'boolean':
    case 'undefined':
      return value;
    case 'object':
      if (value === null) return null;
      throw NOT_PROJECTABLE;
  }
}

/** The typed members of `source`, exact. */
function typedSource(source: Record<string, unknown>): Row {
  const typed: Record<string, ColumnValue> = {};
  for (const field of SOURCE_FIELDS) {
    if (!Object.hasOwn(source, field)) continue;
    const value = exact(source[field]);
    if (value !== undefined) typed[field] = value;
  }
  return typed;
}

/** The projected columns an image has, exact; null for a null or absent image. */
function project(image: unknown, columns: ReadonlySet<string>): Record<string, ColumnValue> | null {
  if (image === null || image === undefined) return null;
  if (!isRecord(image)) throw NOT_PROJECTABLE;
  const row: Record<string, ColumnValue> = {};
  for (const column of columns) {
    if (!Object.hasOwn(image, column)) continue;
    // A plain assignment would set the prototype: the full decoder takes that column.
    if (column === '__proto__') throw NOT_PROJECTABLE;
    row[column] = exact(image[column]) ?? null;
  }
  return row;
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

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
