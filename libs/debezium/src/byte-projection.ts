import type { ColumnValue, Row } from './change-event-types.js';

/** What {@link projectBytes} reads of a Debezium value: the parts a row event is built from. */
export interface ProjectedParts {
  readonly op: string;
  /** Schema-qualified, `public.products`. */
  readonly table: string;
  /** The projected columns of each image; null for a null or absent image. */
  readonly before: Record<string, ColumnValue> | null;
  readonly after: Record<string, ColumnValue> | null;
  /** The members of `source` listed in {@link SOURCE_FIELDS} that the value has. */
  readonly source: Row;
  readonly tsMs: ColumnValue | undefined;
}

/** The members of `source` that `SourceInfo` types; a partial event's `source.raw` has only these. */
export const SOURCE_FIELDS = [
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
] as const;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;
const LOWER_E = 0x65;
const UPPER_E = 0x45;
const LOWER_U = 0x75;

/** Containers nested deeper than this are left to `JSON.parse` (no deep recursion here). */
const MAX_DEPTH = 256;
/** Integer literals with at most this many digits are exact in a double. */
const EXACT_DIGITS = 15;

const encoder = new TextEncoder();
const name = (text: string): Uint8Array => encoder.encode(text);
const NULL = name('null');

/** Escapes JSON allows after a backslash, besides `u`. */
const SIMPLE_ESCAPES = new Set(Array.from(name('"\\/bfnrt')));

/** Member names of the top-level value, in the order of the `TOP_*` indices. */
const TOP_NAMES = [
  name('before'),
  name('after'),
  name('source'),
  name('op'),
  name('ts_ms'),
  name('payload'),
];
const TOP_BEFORE = 0;
const TOP_AFTER = 1;
const TOP_SOURCE = 2;
const TOP_OP = 3;
const TOP_TS_MS = 4;
const SOURCE_NAMES = SOURCE_FIELDS.map(name);

/** Member names to read and the keys they are stored under. */
interface Projection {
  readonly keys: readonly string[];
  readonly names: readonly Uint8Array[];
}

const SOURCE_PROJECTION: Projection = { keys: SOURCE_FIELDS, names: SOURCE_NAMES };

/** Each projection set as UTF-8 names, computed once per set. */
const projections = new WeakMap<ReadonlySet<string>, Projection>();

/** Node's Buffer slices, without `toString`'s dispatch (not in its typings). */
interface BufferSlices {
  latin1Slice(start: number, end: number): string;
}

/**
 * The strings of `source` repeat from message to message (schema, table, connector, version):
 * the last one read per field is reused while its bytes are the same.
 */
class RepeatedStrings {
  private readonly bytes: (Uint8Array | undefined)[] = [];
  private readonly texts: string[] = [];

  read(slot: number, from: Buffer, start: number, end: number): string {
    const known = this.bytes[slot];
    if (known !== undefined && known.length === end - start) {
      let same = true;
      for (let i = 0; i < known.length; i += 1) {
        if (known[i] !== from[start + i]) {
          same = false;
          break;
        }
      }
      if (same) return this.texts[slot] as string;
    }
    const text = (from as unknown as BufferSlices).latin1Slice(start, end);
    this.bytes[slot] = new Uint8Array(from.subarray(start, end)); // a copy, not a view
    this.texts[slot] = text;
    return text;
  }
}

/**
 * Reads a Debezium row change straight from the value's UTF-8 bytes, without materialising the
 * envelope: it validates the whole value as JSON (and as UTF-8, as the fatal decoder does) while
 * it walks it, and turns into values only `op`, `ts_ms`, the typed `source` fields and, of each
 * image, the columns `columnsOf` names for the event's table. Numbers read are exact: integer
 * literals become `bigint`, others `number`, as the full decoder gives them.
 *
 * Returns undefined for anything it does not take; the caller then decodes another way, so this
 * never decides an error: a value that is not JSON, a byte-order mark, a `payload` member, a
 * non-string `op`, a `source` that is not an object or lacks a string schema or table, a table
 * without a projection, an image that is neither an object nor null, an object or array in a
 * value read, an escaped member name where names are read, `__proto__` among the columns read,
 * or nesting deeper than 256.
 */
export function projectBytes(
  value: Uint8Array,
  columnsOf: (table: string) => ReadonlySet<string> | undefined,
): ProjectedParts | undefined {
  return reader.project(value, columnsOf);
}

/**
 * A message key as {@link projectBytes} reads a value: a flat JSON object of scalars becomes the
 * row of key columns the full decoder gives. Undefined for anything else (the caller decodes it
 * the full way): not an object, an object or array member, an escaped or non-ASCII member name, a
 * member named `__proto__`, `schema` or `payload` (the converter's envelope), invalid JSON.
 */
export function keyBytes(key: Uint8Array): Row | undefined {
  return reader.key(key);
}

/** Key member names the full decoder treats specially: left to it. */
const KEY_NAMES_NOT_READ = [name('__proto__'), name('schema'), name('payload')];

/** One value at a time, synchronously: its scan state lives in fields, not in result objects. */
class ValueReader {
  private bytes: Buffer = EMPTY;
  private end = 0;
  /** The last string scanned had an escape. */
  private escaped = false;
  /** The last string scanned had a byte above 0x7f. */
  private wide = false;
  /** The last number scanned had no fraction and no exponent. */
  private integer = false;
  /** After {@link memberName}: the index after the name's closing quote. */
  private nameEnd = 0;
  /** After {@link readMembers} or {@link image}: the index after the value. */
  private objectEnd = 0;
  /** The projection of the last value read. */
  private lastProjection: Projection | undefined;
  private readonly sourceStrings = new RepeatedStrings();
  private lastSchema = '';
  private lastTable = '';
  private lastQualified = '.';
  /** Key column names, by position: the same few for every message of a table. */
  private readonly keyNames = new RepeatedStrings();

  project(
    value: Uint8Array,
    columnsOf: (table: string) => ReadonlySet<string> | undefined,
  ): ProjectedParts | undefined {
    this.begin(value);
    try {
      return this.top(columnsOf);
    } finally {
      this.finish();
    }
  }

  key(value: Uint8Array): Row | undefined {
    this.begin(value);
    try {
      return this.flatObject();
    } finally {
      this.finish();
    }
  }

  private begin(value: Uint8Array): void {
    this.bytes = Buffer.isBuffer(value)
      ? value
      : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
    this.end = this.bytes.length;
  }

  /** Drops the value, so the reader does not keep a fetch response alive. */
  private finish(): void {
    this.bytes = EMPTY;
  }

  private flatObject(): Row | undefined {
    const { bytes } = this;
    let at = this.skipSpace(0);
    if (bytes[at] !== OPEN_BRACE) return undefined;
    const row: Record<string, ColumnValue> = {};
    at = this.skipSpace(at + 1);
    if (bytes[at] === CLOSE_BRACE) return this.skipSpace(at + 1) === this.end ? row : undefined;
    for (let member = 0; ; member += 1) {
      const valueAt = this.memberName(at);
      if (valueAt < 0 || this.escaped || this.wide) return undefined;
      if (this.matchName(at, KEY_NAMES_NOT_READ) >= 0) return undefined;
      const column = this.keyNames.read(member, bytes, at + 1, this.nameEnd - 1);
      const value = this.scalar(valueAt, null, 0);
      if (value === undefined) return undefined;
      row[column] = value;
      at = this.skipSpace(this.scalarEnd);
      if (bytes[at] === CLOSE_BRACE) break;
      if (bytes[at] !== COMMA) return undefined;
      at = this.skipSpace(at + 1);
    }
    return this.skipSpace(at + 1) === this.end ? row : undefined;
  }

  private top(
    columnsOf: (table: string) => ReadonlySet<string> | undefined,
  ): ProjectedParts | undefined {
    const { bytes } = this;
    let at = this.skipSpace(0);
    if (bytes[at] !== OPEN_BRACE) return undefined;
    let op: ColumnValue | undefined;
    let tsMs: ColumnValue | undefined;
    let source: Record<string, ColumnValue> | undefined;
    let before = -1;
    let after = -1;
    // Debezium writes the images before `source`, which names the table: they are read with the
    // projection this reader used last (mostly one table per topic), and again if it differs.
    const guess = this.lastProjection;
    let beforeRow: Record<string, ColumnValue> | null | undefined = null;
    let afterRow: Record<string, ColumnValue> | null | undefined = null;
    at = this.skipSpace(at + 1);
    for (;;) {
      const valueAt = this.memberName(at);
      // An escaped name may spell a member read here: left to JSON.parse.
      if (valueAt < 0 || this.escaped) return undefined;
      const member = this.matchName(at, TOP_NAMES);
      if (member === TOP_SOURCE) {
        source = {};
        if (!this.readMembers(valueAt, SOURCE_PROJECTION, source, this.sourceStrings)) {
          return undefined;
        }
        at = this.objectEnd;
      } else if ((member === TOP_BEFORE || member === TOP_AFTER) && guess !== undefined) {
        const row = this.image(valueAt, guess);
        if (row === undefined) return undefined;
        if (member === TOP_BEFORE) {
          before = valueAt;
          beforeRow = row;
        } else {
          after = valueAt;
          afterRow = row;
        }
        at = this.objectEnd;
      } else {
        if (member === TOP_BEFORE) before = valueAt;
        else if (member === TOP_AFTER) after = valueAt;
        else if (member === TOP_OP) op = this.scalar(valueAt, null, 0);
        else if (member === TOP_TS_MS) {
          tsMs = this.scalar(valueAt, null, 0);
          if (tsMs === undefined) return undefined;
        } else if (member >= 0) return undefined; // payload: the schema envelope
        at = this.skipValue(valueAt, 0);
        if (at < 0) return undefined;
      }
      at = this.skipSpace(at);
      if (bytes[at] === CLOSE_BRACE) break;
      if (bytes[at] !== COMMA) return undefined;
      at = this.skipSpace(at + 1);
    }
    if (this.skipSpace(at + 1) !== this.end) return undefined;
    if (typeof op !== 'string' || source === undefined) return undefined;
    const { schema, table: tableName } = source;
    if (typeof schema !== 'string' || typeof tableName !== 'string') return undefined;
    const table = this.tableName(schema, tableName);
    const columns = columnsOf(table);
    const projection = columns === undefined ? undefined : projectionOf(columns);
    if (projection === undefined) return undefined;
    if (projection !== guess) {
      this.lastProjection = projection;
      beforeRow = before < 0 ? null : this.image(before, projection);
      afterRow = after < 0 ? null : this.image(after, projection);
      if (beforeRow === undefined || afterRow === undefined) return undefined;
    }
    return { op, table, before: beforeRow, after: afterRow, source, tsMs };
  }

  /**
   * `schema.table`, the same string as last time when the names are (they come from
   * {@link sourceStrings}): its hash, computed for each map lookup by table, is then cached.
   */
  private tableName(schema: string, table: string): string {
    if (schema !== this.lastSchema || table !== this.lastTable) {
      this.lastSchema = schema;
      this.lastTable = table;
      this.lastQualified = `${schema}.${table}`;
    }
    return this.lastQualified;
  }

  /**
   * The projected columns of the image at `at`, validated; null for null, undefined when not
   * taken. Sets {@link objectEnd}.
   */
  private image(
    at: number,
    projection: Projection,
  ): Record<string, ColumnValue> | null | undefined {
    const first = this.bytes[at];
    if (first === LOWER_N) {
      if (!this.literalAt(at, NULL)) return undefined;
      this.objectEnd = at + NULL.length;
      return null;
    }
    if (first !== OPEN_BRACE) return undefined;
    const row: Record<string, ColumnValue> = {};
    return this.readMembers(at, projection, row, null) ? row : undefined;
  }

  /**
   * Walks the object at `at`, validating it, and stores into `out` each member `projection`
   * names, under its key. False when the object is not valid JSON, a name is escaped, or a value
   * read is not a scalar; when true, {@link objectEnd} is the index after the object.
   */
  private readMembers(
    at: number,
    projection: Projection,
    out: Record<string, ColumnValue>,
    strings: RepeatedStrings | null,
  ): boolean {
    const { bytes } = this;
    if (bytes[at] !== OPEN_BRACE) return false;
    let i = this.skipSpace(at + 1);
    if (bytes[i] === CLOSE_BRACE) {
      this.objectEnd = i + 1;
      return true;
    }
    for (;;) {
      const valueAt = this.memberName(i);
      if (valueAt < 0 || this.escaped) return false;
      const member = this.matchName(i, projection.names);
      let after: number;
      if (member >= 0) {
        const value = this.scalar(valueAt, strings, member);
        if (value === undefined) return false;
        out[projection.keys[member] as string] = value;
        after = this.scalarEnd;
      } else {
        after = this.skipValue(valueAt, 1);
        if (after < 0) return false;
      }
      i = this.skipSpace(after);
      if (bytes[i] === CLOSE_BRACE) {
        this.objectEnd = i + 1;
        return true;
      }
      if (bytes[i] !== COMMA) return false;
      i = this.skipSpace(i + 1);
    }
  }

  /** After {@link scalar}: the index after the scalar. */
  private scalarEnd = 0;

  /**
   * A member name at `at` (its opening quote) and the colon after it: the index of the member's
   * value, or -1. Sets {@link nameEnd}; {@link matchName} compares the name in place.
   */
  private memberName(at: number): number {
    if (this.bytes[at] !== QUOTE) return -1;
    const after = this.skipString(at);
    if (after < 0) return -1;
    this.nameEnd = after;
    const colon = this.skipSpace(after);
    if (this.bytes[colon] !== COLON) return -1;
    return this.skipSpace(colon + 1);
  }

  /** The index in `names` of the member name whose quote is at `at`, or -1. */
  private matchName(at: number, names: readonly Uint8Array[]): number {
    const { bytes } = this;
    const length = this.nameEnd - at - 2;
    for (let n = 0; n < names.length; n += 1) {
      const expected = names[n] as Uint8Array;
      if (expected.length !== length) continue;
      let i = 0;
      while (i < length && bytes[at + 1 + i] === expected[i]) i += 1;
      if (i === length) return n;
    }
    return -1;
  }

  /**
   * The scalar at `at` as the full decoder gives it (sets {@link scalarEnd}); undefined for an
   * object, an array or bad JSON. An ASCII string without escapes comes from `strings` when given.
   */
  private scalar(
    at: number,
    strings: RepeatedStrings | null,
    slot: number,
  ): ColumnValue | undefined {
    const { bytes } = this;
    const first = bytes[at];
    if (first === QUOTE) {
      const after = this.skipString(at);
      if (after < 0) return undefined;
      this.scalarEnd = after;
      if (this.escaped || this.wide) {
        // Valid UTF-8 and valid escapes (checked above): JSON.parse reads the literal exactly.
        return JSON.parse(bytes.toString('utf8', at, after)) as string;
      }
      return strings === null
        ? (bytes as unknown as BufferSlices).latin1Slice(at + 1, after - 1)
        : strings.read(slot, bytes, at + 1, after - 1);
    }
    if (first === MINUS || (first !== undefined && first >= ZERO && first <= NINE)) {
      const after = this.skipNumber(at);
      if (after < 0) return undefined;
      this.scalarEnd = after;
      return this.numberAt(at, after);
    }
    const literal = literalFor(first);
    if (literal !== undefined && this.literalAt(at, literal)) {
      this.scalarEnd = at + literal.length;
      return first === LOWER_T ? true : first === LOWER_F ? false : null;
    }
    return undefined;
  }

  private numberAt(at: number, after: number): bigint | number {
    const { bytes } = this;
    const slices = bytes as unknown as BufferSlices;
    if (!this.integer) return Number(slices.latin1Slice(at, after));
    const negative = bytes[at] === MINUS;
    const digits = after - at - (negative ? 1 : 0);
    if (digits > EXACT_DIGITS) return BigInt(slices.latin1Slice(at, after));
    let magnitude = 0;
    for (let i = after - digits; i < after; i += 1) {
      magnitude = magnitude * 10 + (bytes[i] as number) - ZERO;
    }
    return BigInt(negative ? -magnitude : magnitude);
  }

  private literalAt(at: number, literal: Uint8Array): boolean {
    for (let i = 0; i < literal.length; i += 1) {
      if (this.bytes[at + i] !== literal[i]) return false;
    }
    return true;
  }

  /** The index after the JSON value at `at`, validated, or -1. */
  private skipValue(at: number, depth: number): number {
    const first = this.bytes[at];
    if (first === QUOTE) return this.skipString(at);
    if (first === OPEN_BRACE) return depth < MAX_DEPTH ? this.skipObject(at, depth + 1) : -1;
    if (first === OPEN_BRACKET) return depth < MAX_DEPTH ? this.skipArray(at, depth + 1) : -1;
    if (first === MINUS || (first !== undefined && first >= ZERO && first <= NINE)) {
      return this.skipNumber(at);
    }
    const literal = literalFor(first);
    if (literal !== undefined && this.literalAt(at, literal)) return at + literal.length;
    return -1;
  }

  private skipObject(at: number, depth: number): number {
    const { bytes } = this;
    let i = this.skipSpace(at + 1);
    if (bytes[i] === CLOSE_BRACE) return i + 1;
    for (;;) {
      const valueAt = this.memberName(i);
      if (valueAt < 0) return -1;
      const after = this.skipValue(valueAt, depth);
      if (after < 0) return -1;
      i = this.skipSpace(after);
      if (bytes[i] === CLOSE_BRACE) return i + 1;
      if (bytes[i] !== COMMA) return -1;
      i = this.skipSpace(i + 1);
    }
  }

  private skipArray(at: number, depth: number): number {
    const { bytes } = this;
    let i = this.skipSpace(at + 1);
    if (bytes[i] === CLOSE_BRACKET) return i + 1;
    for (;;) {
      const after = this.skipValue(i, depth);
      if (after < 0) return -1;
      i = this.skipSpace(after);
      if (bytes[i] === CLOSE_BRACKET) return i + 1;
      if (bytes[i] !== COMMA) return -1;
      i = this.skipSpace(i + 1);
    }
  }

  /**
   * The index after the string whose opening quote is at `at`, or -1 when it is not valid JSON
   * or not valid UTF-8 as the fatal decoder reads it (no overlong forms, surrogates or code
   * points past U+10FFFF). Sets {@link escaped} and {@link wide}.
   */
  private skipString(at: number): number {
    const { bytes, end } = this;
    this.escaped = false;
    this.wide = false;
    let i = at + 1;
    while (i < end) {
      const c = bytes[i] as number;
      if (c === QUOTE) return i + 1;
      if (c >= 0x20 && c < 0x80 && c !== BACKSLASH) {
        i += 1;
      } else if (c === BACKSLASH) {
        this.escaped = true;
        i = skipEscape(bytes, i + 1);
        if (i < 0) return -1;
      } else if (c < 0x20) {
        return -1;
      } else {
        this.wide = true;
        i = skipUtf8(bytes, i, c);
        if (i < 0) return -1;
      }
    }
    return -1;
  }

  /**
   * The index after the number at `at`, or -1 when it is not a JSON number. Sets
   * {@link integer} (no fraction and no exponent).
   */
  private skipNumber(at: number): number {
    const { bytes } = this;
    let i = at;
    if (bytes[i] === MINUS) i += 1;
    if (bytes[i] === ZERO) i += 1;
    else {
      const digitsAt = i;
      i = skipDigits(bytes, i);
      if (i === digitsAt) return -1;
    }
    this.integer = true;
    if (bytes[i] === DOT) {
      this.integer = false;
      const digitsAt = i + 1;
      i = skipDigits(bytes, digitsAt);
      if (i === digitsAt) return -1;
    }
    if (bytes[i] === LOWER_E || bytes[i] === UPPER_E) {
      this.integer = false;
      i += 1;
      if (bytes[i] === PLUS || bytes[i] === MINUS) i += 1;
      const digitsAt = i;
      i = skipDigits(bytes, i);
      if (i === digitsAt) return -1;
    }
    return i;
  }

  private skipSpace(at: number): number {
    const { bytes } = this;
    let i = at;
    for (;;) {
      const c = bytes[i];
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return i;
      i += 1;
    }
  }
}

const EMPTY = Buffer.alloc(0);
const TRUE = name('true');
const FALSE = name('false');
const LOWER_T = 0x74;
const LOWER_F = 0x66;
const LOWER_N = 0x6e;

/** The literal a value starting with `first` can only be. */
function literalFor(first: number | undefined): Uint8Array | undefined {
  if (first === LOWER_T) return TRUE;
  if (first === LOWER_F) return FALSE;
  return first === LOWER_N ? NULL : undefined;
}
const reader = new ValueReader();

function projectionOf(columns: ReadonlySet<string>): Projection | undefined {
  // A plain assignment of `__proto__` would set the prototype: JSON.parse's path takes it.
  if (columns.has('__proto__')) return undefined;
  let known = projections.get(columns);
  if (known === undefined) {
    const keys = [...columns];
    known = { keys, names: keys.map(name) };
    projections.set(columns, known);
  }
  return known;
}

/** After a backslash at `at - 1`: the index after the escape, or -1. */
function skipEscape(bytes: Buffer, at: number): number {
  const c = bytes[at];
  if (c === undefined) return -1;
  if (SIMPLE_ESCAPES.has(c)) return at + 1;
  if (c !== LOWER_U) return -1;
  for (let i = at + 1; i <= at + 4; i += 1) {
    if (!isHexDigit(bytes[i])) return -1;
  }
  return at + 5;
}

function isHexDigit(c: number | undefined): boolean {
  if (c === undefined) return false;
  return (c >= ZERO && c <= NINE) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}

/** A multi-byte UTF-8 sequence led by `lead` at `at`: the index after it, or -1. */
function skipUtf8(bytes: Buffer, at: number, lead: number): number {
  let length: number;
  let low = 0x80;
  let high = 0xbf;
  if (lead >= 0xc2 && lead <= 0xdf) length = 2;
  else if (lead >= 0xe0 && lead <= 0xef) {
    length = 3;
    if (lead === 0xe0) low = 0xa0;
    else if (lead === 0xed) high = 0x9f;
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    length = 4;
    if (lead === 0xf0) low = 0x90;
    else if (lead === 0xf4) high = 0x8f;
  } else return -1;
  const second = bytes[at + 1];
  if (second === undefined || second < low || second > high) return -1;
  for (let i = at + 2; i < at + length; i += 1) {
    const next = bytes[i];
    if (next === undefined || next < 0x80 || next > 0xbf) return -1;
  }
  return at + length;
}

function skipDigits(bytes: Buffer, at: number): number {
  let i = at;
  for (;;) {
    const c = bytes[i];
    if (c === undefined || c < ZERO || c > NINE) return i;
    i += 1;
  }
}
