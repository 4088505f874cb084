import type { ColumnValue } from './change-event.types.js';

/**
 * Thrown by {@link JsonCursor} at anything it does not handle: text that is not JSON, nesting
 * deeper than {@link MAX_DEPTH}. The caller falls back to the full decoder, which reports it.
 */
export class NotSimpleJson extends Error {
  constructor() {
    super('not simple JSON');
  }
}

/** One instance, thrown without a stack: falling back is control flow, not an error. */
const NOT_SIMPLE = new NotSimpleJson();

/** Deeper nesting is left to the full decoder (which reports 200,000 levels as bad JSON). */
const MAX_DEPTH = 64;

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

/** Characters a JSON string may not hold raw (tabs and newlines outside strings are whitespace). */
// eslint-disable-next-line no-control-regex -- control characters are exactly what it looks for
const CONTROL = /[\u0000-\u001f]/;

function backslashFrom(text: string, from: number): number {
  const at = text.indexOf('\\', from);
  return at === -1 ? Infinity : at;
}

/** The characters that may follow a backslash in a JSON string (`u` is checked apart). */
const SIMPLE_ESCAPES = new Set([0x22, 0x5c, 0x2f, 0x62, 0x66, 0x6e, 0x72, 0x74]);

function isDigit(code: number): boolean {
  return code >= ZERO && code <= NINE;
}

function isHex(code: number): boolean {
  return isDigit(code) || (code >= 0x41 && code <= 0x46) || (code >= 0x61 && code <= 0x66);
}

/**
 * A position in a JSON text, moved by skipping or reading one value at a time. It accepts exactly
 * what `JSON.parse` accepts (RFC 8259: whitespace, string escapes, number grammar), so a text it
 * walks through completely is valid JSON, and throws {@link NotSimpleJson} otherwise. Values it
 * reads come out as the lossless parser gives them: integer literals as `bigint`, other numbers as
 * `number`, strings unescaped.
 */
export class JsonCursor {
  /** The position; move it back only with {@link JsonCursor.seek}. */
  pos = 0;
  /**
   * No control character anywhere (compact JSON, as Debezium writes it): a string without a
   * backslash then ends at the next quote, with nothing inside to check.
   */
  private readonly noControl: boolean;
  /** Where the next backslash at or after the cursor is (`Infinity`: none). */
  private nextBackslash: number;

  constructor(readonly text: string) {
    this.noControl = !CONTROL.test(text);
    this.nextBackslash = backslashFrom(text, 0);
  }

  /** Moves the cursor to `pos` (back, to read a value noted earlier). */
  seek(pos: number): void {
    this.pos = pos;
    this.nextBackslash = backslashFrom(this.text, pos);
  }

  /** Moves past whitespace; the code of the next character, or -1 at the end. */
  peek(): number {
    const { text } = this;
    let i = this.pos;
    while (i < text.length) {
      const code = text.charCodeAt(i);
      if (code !== 0x20 && code !== 0x0a && code !== 0x0d && code !== 0x09) {
        this.pos = i;
        return code;
      }
      i += 1;
    }
    this.pos = i;
    return -1;
  }

  /** Consumes `code` after optional whitespace. */
  expect(code: number): void {
    if (this.peek() !== code) throw NOT_SIMPLE;
    this.pos += 1;
  }

  /**
   * After a member or an element: true when another follows (a comma, consumed), false at the
   * closing `close` (consumed).
   */
  more(close: number): boolean {
    const code = this.peek();
    this.pos += 1;
    if (code === COMMA) return true;
    if (code === close) return false;
    throw NOT_SIMPLE;
  }

  /** Throws unless only whitespace is left. */
  end(): void {
    if (this.peek() !== -1) throw NOT_SIMPLE;
  }

  /** Skips the string at the cursor; whether it holds escapes. */
  skipString(): boolean {
    const { text } = this;
    if (this.noControl) {
      const end = text.indexOf('"', this.pos + 1);
      if (end === -1) throw NOT_SIMPLE;
      if (end < this.nextBackslash) {
        this.pos = end + 1;
        return false;
      }
    }
    let i = this.pos + 1;
    let escaped = false;
    for (;;) {
      if (i >= text.length) throw NOT_SIMPLE;
      const code = text.charCodeAt(i);
      if (code === QUOTE) break;
      if (code === BACKSLASH) {
        escaped = true;
        i = this.skipEscape(i);
      } else {
        if (code < 0x20) throw NOT_SIMPLE;
        i += 1;
      }
    }
    this.pos = i + 1;
    if (escaped) this.nextBackslash = backslashFrom(text, this.pos);
    return escaped;
  }

  /** Reads the string at the cursor (after optional whitespace). */
  readString(): string {
    if (this.peek() !== QUOTE) throw NOT_SIMPLE;
    const start = this.pos;
    const escaped = this.skipString();
    return escaped
      ? (JSON.parse(this.text.slice(start, this.pos)) as string)
      : this.text.slice(start + 1, this.pos - 1);
  }

  /**
   * Reads a member name and its colon: the index of the name in `names`, or -1. Compares in
   * place, without making a string, unless the name has escapes.
   */
  memberIn(names: readonly string[]): number {
    if (this.peek() !== QUOTE) throw NOT_SIMPLE;
    const start = this.pos + 1;
    let found = -1;
    if (this.skipString()) {
      found = names.indexOf(JSON.parse(this.text.slice(start - 1, this.pos)) as string);
    } else {
      const length = this.pos - 1 - start;
      for (let i = 0; i < names.length && found === -1; i += 1) {
        const name = names[i] ?? '';
        if (name.length === length && this.text.startsWith(name, start)) found = i;
      }
    }
    this.expect(COLON);
    return found;
  }

  /** Skips any value at the cursor (after optional whitespace), checking its syntax. */
  skipValue(depth = 0): void {
    const code = this.peek();
    if (code === QUOTE) {
      this.skipString();
    } else if (code === OPEN_BRACE) {
      this.skipObject(depth + 1);
    } else if (code === OPEN_BRACKET) {
      this.skipArray(depth + 1);
    } else if (code === MINUS || isDigit(code)) {
      this.skipNumber();
    } else {
      this.skipWord(code);
    }
  }

  /** Reads any value at the cursor (after optional whitespace), exactly as the lossless parser. */
  readValue(depth = 0): ColumnValue {
    const code = this.peek();
    if (code === QUOTE) return this.readString();
    if (code === OPEN_BRACE) return this.readObject(depth + 1);
    if (code === OPEN_BRACKET) return this.readArray(depth + 1);
    if (code === MINUS || isDigit(code)) {
      const start = this.pos;
      const integer = this.skipNumber();
      const literal = this.text.slice(start, this.pos);
      return integer ? BigInt(literal) : Number(literal);
    }
    return this.skipWord(code);
  }

  private skipEscape(at: number): number {
    const code = this.text.charCodeAt(at + 1);
    if (SIMPLE_ESCAPES.has(code)) return at + 2;
    if (code !== LOWER_U) throw NOT_SIMPLE;
    for (let i = at + 2; i < at + 6; i += 1) {
      if (!isHex(this.text.charCodeAt(i))) throw NOT_SIMPLE;
    }
    return at + 6;
  }

  /** `-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?`; whether it is an integer literal. */
  private skipNumber(): boolean {
    const { text } = this;
    let i = this.pos;
    if (text.charCodeAt(i) === MINUS) i += 1;
    const first = text.charCodeAt(i);
    if (first === ZERO) i += 1;
    else if (isDigit(first)) i = this.digits(i);
    else throw NOT_SIMPLE;
    let integer = true;
    if (text.charCodeAt(i) === DOT) {
      integer = false;
      i = this.requiredDigits(i + 1);
    }
    const exponent = text.charCodeAt(i);
    if (exponent === LOWER_E || exponent === UPPER_E) {
      integer = false;
      i += 1;
      const sign = text.charCodeAt(i);
      if (sign === PLUS || sign === MINUS) i += 1;
      i = this.requiredDigits(i);
    }
    this.pos = i;
    return integer;
  }

  private digits(from: number): number {
    let i = from;
    while (isDigit(this.text.charCodeAt(i))) i += 1;
    return i;
  }

  private requiredDigits(from: number): number {
    if (!isDigit(this.text.charCodeAt(from))) throw NOT_SIMPLE;
    return this.digits(from);
  }

  /** `true`, `false` or `null`, starting with `code`. */
  private skipWord(code: number): boolean | null {
    const word = code === 0x74 ? 'true' : code === 0x66 ? 'false' : code === 0x6e ? 'null' : '';
    if (word === '' || !this.text.startsWith(word, this.pos)) throw NOT_SIMPLE;
    this.pos += word.length;
    return word === 'null' ? null : word === 'true';
  }

  private skipObject(depth: number): void {
    if (depth > MAX_DEPTH) throw NOT_SIMPLE;
    this.pos += 1;
    if (this.peek() === CLOSE_BRACE) {
      this.pos += 1;
      return;
    }
    do {
      if (this.peek() !== QUOTE) throw NOT_SIMPLE;
      this.skipString();
      this.expect(COLON);
      this.skipValue(depth);
    } while (this.more(CLOSE_BRACE));
  }

  private skipArray(depth: number): void {
    if (depth > MAX_DEPTH) throw NOT_SIMPLE;
    this.pos += 1;
    if (this.peek() === CLOSE_BRACKET) {
      this.pos += 1;
      return;
    }
    do this.skipValue(depth);
    while (this.more(CLOSE_BRACKET));
  }

  private readObject(depth: number): ColumnValue {
    if (depth > MAX_DEPTH) throw NOT_SIMPLE;
    this.pos += 1;
    const out: Record<string, ColumnValue> = {};
    if (this.peek() === CLOSE_BRACE) {
      this.pos += 1;
      return out;
    }
    do {
      const key = this.readString();
      this.expect(COLON);
      setOwn(out, key, this.readValue(depth));
    } while (this.more(CLOSE_BRACE));
    return out;
  }

  private readArray(depth: number): ColumnValue {
    if (depth > MAX_DEPTH) throw NOT_SIMPLE;
    this.pos += 1;
    const out: ColumnValue[] = [];
    if (this.peek() === CLOSE_BRACKET) {
      this.pos += 1;
      return out;
    }
    do out.push(this.readValue(depth));
    while (this.more(CLOSE_BRACKET));
    return out;
  }
}

/** `row[key] = value`, an own property even for `__proto__` (as `JSON.parse` makes it). */
export function setOwn(row: Record<string, ColumnValue>, key: string, value: ColumnValue): void {
  if (key === '__proto__') {
    Object.defineProperty(row, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  } else {
    row[key] = value;
  }
}
