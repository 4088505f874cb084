import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { keyBytes, projectBytes } from './byte-projection.js';
import { decodeKey } from './debezium-decoder.js';
import {
  decodeMessage,
  decodeProjected,
  DecodeError,
  UNAVAILABLE_VALUE,
  type ChangeEvent,
  type KafkaMessage,
  type Row,
} from './index.js';

const FIXTURES = 'test/fixtures/debezium';
const SOURCE_FIELDS = new Set(['version', 'connector', 'name', 'ts_ms', 'snapshot', 'db']);
for (const field of ['schema', 'table', 'txId', 'lsn']) SOURCE_FIELDS.add(field);

/** What a decoder gave: the event, or the code of the DecodeError it threw. */
function outcome(decode: () => ChangeEvent): ChangeEvent | { error: string } {
  try {
    return decode();
  } catch (error) {
    expect(error).toBeInstanceOf(DecodeError);
    return { error: (error as DecodeError).code };
  }
}

function pick(row: Row | null, columns: ReadonlySet<string>): Row | null {
  if (row === null) return null;
  return Object.fromEntries(Object.entries(row).filter(([column]) => columns.has(column)));
}

/**
 * The projected decoder agrees with the full one: the same error, or the same event with each
 * image restricted to the projected columns (and `partial` set) when it projected. Returns
 * whether it projected (so a test can check it did not only fall back).
 */
function expectAgreement(message: KafkaMessage, columns: ReadonlySet<string> | undefined): boolean {
  // A string value goes through JSON.parse; as bytes (what Kafka gives) it is read in place.
  const asBytes = {
    ...message,
    value: typeof message.value === 'string' ? Buffer.from(message.value) : message.value,
  };
  const parsed = expectAgreementOf(message, columns);
  const read = expectAgreementOf(asBytes, columns);
  return parsed || read;
}

function expectAgreementOf(
  message: KafkaMessage,
  columns: ReadonlySet<string> | undefined,
): boolean {
  const full = outcome(() => decodeMessage(message));
  const projected = outcome(() => decodeProjected(message, () => columns));
  if ('error' in full || 'error' in projected || full.kind !== 'row' || projected.kind !== 'row') {
    expect(projected).toEqual(full);
    return false;
  }
  const { before, after, partial, source, ...rest } = projected;
  const { before: fullBefore, after: fullAfter, source: fullSource, ...fullRest } = full;
  expect(rest).toEqual(fullRest);
  if (partial !== true) {
    expect({ before, after, source }).toEqual({
      before: fullBefore,
      after: fullAfter,
      source: fullSource,
    });
    return false;
  }
  const { raw, ...typed } = source;
  const { raw: fullRaw, ...fullTyped } = fullSource;
  expect(typed).toEqual(fullTyped);
  expect(raw).toEqual(pick(fullRaw, SOURCE_FIELDS));
  if (columns === undefined) throw new Error('projected without a projection');
  expect(before).toEqual(pick(fullBefore, columns));
  expect(after).toEqual(pick(fullAfter, columns));
  return true;
}

/** Every fixture as a message: `captured-*` are `{topic, key, value}`, the others bare values. */
function fixtureMessages(): { file: string; message: KafkaMessage; columns: string[] }[] {
  return readdirSync(FIXTURES)
    .filter((file) => file.endsWith('.json'))
    .map((file) => {
      const text = readFileSync(`${FIXTURES}/${file}`, 'utf8');
      const parsed = (JSON.parse(text) ?? {}) as Record<string, unknown>;
      const captured = typeof parsed.topic === 'string' && 'value' in parsed;
      const value = captured ? parsed.value : parsed;
      const message: KafkaMessage = captured
        ? {
            topic: parsed.topic as string,
            key: typeof parsed.key === 'string' ? parsed.key : null,
            // Re-serialized from the parsed fixture: long integers there are exact already.
            value: value === null ? null : rawJson(text, 'value'),
          }
        : { topic: 'catalog.public.products', key: null, value: text };
      return { file, message, columns: columnsOf(value) };
    });
}

/** The text of `member` of the top-level object in `text`, exactly as written (digits kept). */
function rawJson(text: string, member: string): string {
  const at = text.indexOf(`"${member}":`);
  const start = at + member.length + 3;
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i += 1) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i += 1;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{' || c === '[') depth += 1;
    else if (c === '}' || c === ']') {
      depth -= 1;
      if (depth === 0) return text.slice(start, i + 1).trim();
    }
  }
  throw new Error(`no ${member} in fixture`);
}

function columnsOf(value: unknown): string[] {
  const names = new Set<string>();
  const images = (v: unknown): unknown[] => {
    if (typeof v !== 'object' || v === null) return [];
    const record = v as Record<string, unknown>;
    return [record.before, record.after, ...images(record.payload)];
  };
  for (const image of images(value)) {
    if (typeof image === 'object' && image !== null) {
      for (const column of Object.keys(image)) names.add(column);
    }
  }
  return [...names];
}

// Random Debezium-like values, written by hand so that integer literals of any size, fractions
// such as `1.0`, exponents, escapes and odd whitespace reach the decoder as Debezium could write
// them.
type Literal = { literal: string } | string | boolean | null | Literal[] | { [k: string]: Literal };

const space = fc.constantFrom('', ' ', '\n  ', '\t', '\r\n');
// Mostly integers below 10^15 (what the projection reads exactly), some of every other kind
// (which make it fall back: long integers read, fractions and exponents anywhere).
const numberLiteral = fc.oneof(
  { arbitrary: fc.integer().map(String), weight: 30 },
  fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map(String),
  fc.bigInt({ min: 9_007_199_254_740_000n, max: 9_007_199_254_741_000n }).map(String),
  fc.integer().map(String),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => JSON.stringify(d)),
  fc.constantFrom('1.0', '-0', '0.5e-3', '1E3', '-2.50', '12345678901234567890.0'),
);
const leaf: fc.Arbitrary<Literal> = fc.oneof(
  numberLiteral.map((literal) => ({ literal })),
  fc.string({ unit: 'binary' }),
  fc.constantFrom(UNAVAILABLE_VALUE, 'a "quoted" \\ value', '\u2028', 'é€𝄞', true, false, null),
);
const nested = fc.letrec<{ value: Literal }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    leaf,
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(fc.string(), tie('value'), { maxKeys: 3 }),
  ),
})).value;
const column = fc.oneof(
  fc.constantFrom('id', 'name', 'price', 'category_id', 'description', 'ts', '__proto__'),
  fc.stringMatching(/^[a-z_][a-z0-9_]{0,8}$/),
);
const image = fc.dictionary(column, fc.oneof(leaf, leaf, nested), { maxKeys: 6 });
const source = fc.record({
  version: fc.constant('3.6.1.Final'),
  connector: fc.constant('postgresql'),
  name: fc.constant('catalog'),
  ts_ms: fc.oneof(fc.bigInt({ min: 0n, max: 2n ** 45n }), fc.constant(null)),
  snapshot: fc.constantFrom('false', 'true', 'last'),
  schema: fc.constantFrom('public', 'shop'),
  table: fc.constantFrom('products', 'categories'),
  txId: fc.oneof(
    { arbitrary: fc.bigInt({ min: 0n, max: 2n ** 40n }), weight: 9 },
    fc.bigInt({ min: 0n, max: 2n ** 63n }),
  ),
  lsn: fc.oneof(
    { arbitrary: fc.bigInt({ min: 0n, max: 2n ** 40n }), weight: 9 },
    fc.bigInt({ min: 0n, max: 2n ** 64n }),
  ),
  xmin: fc.constant(null),
});
const envelope = fc.record(
  {
    before: fc.option(image),
    after: fc.option(image),
    source: source.map((s) => toLiteral(s)),
    transaction: fc.option(fc.record({ id: fc.string(), total_order: fc.bigInt() })),
    op: fc.constantFrom('c', 'u', 'd', 'r', 't', 'x'),
    ts_ms: fc.bigInt({ min: 0n, max: 2n ** 45n }),
    ts_ns: fc.bigInt({ min: 0n, max: 2n ** 63n }),
  },
  { requiredKeys: ['op', 'source'] },
);

function toLiteral(value: unknown): Literal {
  if (typeof value === 'bigint') return { literal: String(value) };
  if (Array.isArray(value)) return value.map(toLiteral);
  if (typeof value === 'object' && value !== null && !('literal' in value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toLiteral(v)]));
  }
  return value as Literal;
}

function write(value: Literal, s: string): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${s}${value.map((v) => write(v, s)).join(`${s},${s}`)}${s}]`;
  if ('literal' in value && typeof value.literal === 'string') return value.literal;
  const members = Object.entries(value).map(
    ([k, v]) => `${s}${JSON.stringify(k)}${s}:${s}${write(v, s)}`,
  );
  return `{${members.join(',')}${s}}`;
}

const projection = fc.uniqueArray(column, { maxLength: 5 }).map((c) => new Set(c));

describe('decodeProjected', () => {
  it('agrees with the full decoder on every fixture, whatever columns are projected', () => {
    const fixtures = fixtureMessages();
    expect(fixtures.length).toBeGreaterThan(20);
    let projected = 0;
    for (const { file, message, columns } of fixtures) {
      const subsets = [[], columns, columns.slice(0, 2), ['id', 'no_such_column'], undefined];
      for (const subset of subsets) {
        const set = subset === undefined ? undefined : new Set(subset);
        try {
          if (expectAgreement(message, set)) projected += 1;
        } catch (error) {
          throw new Error(`${file} with ${JSON.stringify(subset)}: ${String(error)}`, {
            cause: error,
          });
        }
      }
    }
    expect(projected).toBeGreaterThan(40);
  });

  it('projects the real captured update: only the named columns, exact', () => {
    const text = readFileSync(`${FIXTURES}/captured-update.json`, 'utf8');
    const message = {
      topic: 'catalog.public.products',
      key: null,
      value: rawJson(text, 'value'),
    };
    const event = decodeProjected(message, () => new Set(['id', 'category_id']));
    expect(event).toMatchObject({ kind: 'row', partial: true });
    if (event.kind !== 'row') throw new Error('expected a row');
    const full = decodeMessage(message);
    if (full.kind !== 'row') throw new Error('expected a row');
    expect(event.after).toEqual({ id: full.after?.id, category_id: full.after?.category_id });
    expect(typeof event.after?.id).toBe('bigint');
    expect(event.source.lsn).toBe(full.source.lsn);
    expect(event.source.tsMs).toBe(full.source.tsMs);
  });

  it('leaves ids beyond 10^15 to the full decoder, which keeps them exact', () => {
    const text = readFileSync(`${FIXTURES}/captured-update-bigint.json`, 'utf8');
    const message = { topic: 'catalog.public.products', key: null, value: rawJson(text, 'value') };
    const event = decodeProjected(message, () => new Set(['id']));
    expect(event).toEqual(decodeMessage(message));
    expect(event).not.toHaveProperty('partial');
  });

  it('agrees with the full decoder on random envelopes and projections', () => {
    let projected = 0;
    fc.assert(
      fc.property(envelope, space, projection, (value, s, columns) => {
        const text = write(toLiteral(value), s);
        const message = { topic: 'catalog.public.products', key: '{"id":1}', value: text };
        if (expectAgreement(message, columns)) projected += 1;
      }),
      { numRuns: 3000 },
    );
    // Many random envelopes are projected: the fast path, not only the fallback, was tested.
    expect(projected).toBeGreaterThan(500);
  });

  it('agrees on broken and truncated envelopes (the same DecodeError codes)', () => {
    fc.assert(
      fc.property(
        envelope,
        projection,
        fc.nat(),
        fc.constantFrom(
          '',
          '}',
          ',',
          '"',
          '\\',
          '\u0001',
          '\u001f',
          '\t',
          'x',
          ']',
          '1.',
          '-',
          'tru',
        ),
        (value, columns, at, inserted) => {
          const text = write(toLiteral(value), '');
          const cut = at % (text.length + 1);
          const broken = text.slice(0, cut) + inserted + text.slice(cut + (inserted ? 1 : 0));
          expectAgreement({ topic: 'catalog.public.products', key: null, value: broken }, columns);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('agrees on arbitrary bytes, keys and JSON', () => {
    fc.assert(
      fc.property(
        fc.option(fc.uint8Array()),
        fc.oneof(
          fc.uint8Array(),
          fc.jsonValue().map((v) => JSON.stringify(v)),
        ),
        projection,
        (key, value, columns) => {
          expectAgreement({ topic: 'catalog.public.x', key, value }, columns);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('takes an unchanged TOASTed value from the before-image, as the full decoder does', () => {
    const value = JSON.stringify({
      op: 'u',
      before: { id: 1, description: 'long text' },
      after: { id: 1, description: UNAVAILABLE_VALUE },
      source: { schema: 'public', table: 'products' },
    });
    const event = decodeProjected({ topic: 't', key: null, value }, () => new Set(['description']));
    expect(event).toMatchObject({ partial: true, after: { description: 'long text' } });
  });

  it('decodes everything when the table has no known projection', () => {
    const value = readFileSync(`${FIXTURES}/hand-product-create.json`, 'utf8');
    const event = decodeProjected({ topic: 't', key: null, value }, () => undefined);
    expect(event).toEqual(decodeMessage({ topic: 't', key: null, value }));
    expect(event).not.toHaveProperty('partial');
  });

  it('decodes deep nesting in a member it does not read, which the full decoder rejects', () => {
    const deep = `${'['.repeat(200_000)}${']'.repeat(200_000)}`;
    const value = `{"op":"c","after":{"id":1},"x":${deep},"source":{"schema":"s","table":"t"}}`;
    const message = { topic: 't', key: null, value };
    expect(() => decodeMessage(message)).toThrow(DecodeError);
    expect(decodeProjected(message, () => new Set(['id']))).toMatchObject({ after: { id: 1n } });
  });

  it('leaves deep nesting in a projected column to the full decoder', () => {
    const deep = `${'['.repeat(200_000)}${']'.repeat(200_000)}`;
    const value = `{"op":"c","after":{"id":${deep}},"source":{"schema":"s","table":"t"}}`;
    const decode = () => decodeProjected({ topic: 't', key: null, value }, () => new Set(['id']));
    expect(decode).toThrow(DecodeError);
  });

  it('reads the bytes in place for most random envelopes, exactly as the full decoder', () => {
    let taken = 0;
    fc.assert(
      fc.property(envelope, space, projection, (value, s, columns) => {
        const bytes = Buffer.from(write(toLiteral(value), s));
        // First with the previous run's projection as the reader's guess, then with this one's.
        const first = projectBytes(bytes, () => columns);
        const parts = projectBytes(bytes, () => columns);
        if (first !== undefined) expect(first).toEqual(parts);
        if (parts === undefined) return;
        taken += 1;
        const full = outcome(() =>
          decodeMessage({ topic: 'catalog.public.products', key: null, value: bytes }),
        );
        if ('error' in full) {
          // Only the shape checks the caller makes after reading (op, required image) fail here.
          expect(full.error).toBe('DEBEZIUM_UNEXPECTED_SHAPE');
          const required = parts.op === 'd' ? parts.before : parts.after;
          expect(!['c', 'u', 'd', 'r'].includes(parts.op) || required === null).toBe(true);
          return;
        }
        if (full.kind !== 'row' && full.kind !== 'truncate') throw new Error(`got ${full.kind}`);
        expect(parts.op).toBe(full.op);
        expect(parts.table).toBe(full.table);
        expect(parts.source).toEqual(pick(full.source.raw, SOURCE_FIELDS));
        if (full.kind === 'row') {
          expect(parts.before).toEqual(pick(full.before, columns));
          // The full decoder fills an update's unchanged TOASTed values; compare the others.
          if (full.op !== 'u') expect(parts.after).toEqual(pick(full.after, columns));
        }
      }),
      { numRuns: 3000 },
    );
    // Most are taken: fractions and long integers no longer send a value elsewhere.
    expect(taken).toBeGreaterThan(1500);
  });

  it('takes no value that is not UTF-8 JSON, whatever byte is changed', () => {
    const utf8 = new TextDecoder('utf-8', { fatal: true });
    let taken = 0;
    fc.assert(
      fc.property(
        envelope,
        fc.nat(),
        fc.integer({ min: 0, max: 255 }),
        fc.boolean(),
        (value, at, byte, insert) => {
          const bytes = Buffer.from(write(toLiteral(value), ''));
          const cut = at % bytes.length;
          const changed = insert
            ? Buffer.concat([bytes.subarray(0, cut), Buffer.from([byte]), bytes.subarray(cut)])
            : Buffer.from(bytes).fill(byte, cut, cut + 1);
          if (projectBytes(changed, () => new Set(['id', 'name'])) === undefined) return;
          taken += 1;
          expect(() => JSON.parse(utf8.decode(changed)) as unknown).not.toThrow();
        },
      ),
      { numRuns: 3000 },
    );
    expect(taken).toBeGreaterThan(100);
  });

  it('refuses malformed UTF-8 in any string, as the fatal decoder does', () => {
    const utf8 = new TextDecoder('utf-8', { fatal: true });
    const sequences = [
      [0x80],
      [0xbf],
      [0xc0, 0x80],
      [0xc1, 0xbf],
      [0xc2],
      [0xe0, 0x9f, 0x80],
      [0xed, 0xa0, 0x80],
      [0xef, 0xbf],
      [0xf0, 0x8f, 0x80, 0x80],
      [0xf4, 0x90, 0x80, 0x80],
      [0xf5, 0x80, 0x80, 0x80],
      [0xff],
      [0xc3, 0xa9],
      [0xe2, 0x82, 0xac],
      [0xf0, 0x9d, 0x84, 0x9e],
      [0xed, 0x9f, 0xbf],
    ];
    for (const sequence of sequences) {
      for (const where of ['name', 'other']) {
        const value = Buffer.concat([
          Buffer.from(`{"op":"c","after":{"id":1,"${where}":"a`),
          Buffer.from(sequence),
          Buffer.from('b"},"source":{"schema":"s","table":"t"}}'),
        ]);
        let valid = true;
        try {
          utf8.decode(value);
        } catch {
          valid = false;
        }
        const parts = projectBytes(value, () => new Set(['id', 'name']));
        expect(parts !== undefined, `${where} ${Buffer.from(sequence).toString('hex')}`).toBe(
          valid,
        );
        expectAgreement({ topic: 't', key: null, value }, new Set(['id', 'name']));
      }
    }
  });

  it('leaves an escaped member name to JSON.parse, which gives it its meaning', () => {
    const value = Buffer.from(
      '{"op":"u","\\u006fp":"c","after":{"id":1,"\\u0069d":2},"source":{"schema":"s","table":"t"}}',
    );
    expect(projectBytes(value, () => new Set(['id']))).toBeUndefined();
    expect(decodeProjected({ topic: 't', key: null, value }, () => new Set(['id']))).toMatchObject({
      op: 'c',
      after: { id: 2n },
      partial: true,
    });
  });

  it('reads exact numbers from their literals: long integers, fractions, exponents', () => {
    const value = Buffer.from(
      '{"op":"c","after":{"id":123456789012345678901,"price":12.50,"w":1E3,"z":-0,"s":"a\\"é"},' +
        '"source":{"schema":"s","table":"t","lsn":18446744073709551615,"ts_ms":1.5}}',
    );
    const parts = projectBytes(value, () => new Set(['id', 'price', 'w', 'z', 's']));
    expect(parts?.after).toEqual({
      id: 123456789012345678901n,
      price: 12.5,
      w: 1000,
      z: 0n,
      s: 'a"é',
    });
    expect(parts?.source).toMatchObject({ lsn: 18446744073709551615n, ts_ms: 1.5 });
    expectAgreement({ topic: 't', key: null, value }, new Set(['id', 'price', 'w', 'z', 's']));
  });

  it('reads flat keys in place, exactly as the full decoder does', () => {
    const name = fc.oneof(column, fc.constantFrom('schema', 'payload', '0', '\u00e9', 'a"b'));
    const key = fc.dictionary(name, fc.oneof(leaf, leaf, leaf, nested), { maxKeys: 4 });
    let taken = 0;
    fc.assert(
      fc.property(key, space, (value, s) => {
        const bytes = Buffer.from(write(toLiteral(value), s));
        const row = keyBytes(bytes);
        if (row === undefined) return;
        taken += 1;
        const message = { topic: 't', key: bytes, value: null };
        expect(row).toEqual(decodeKey(message, { topic: 't' }));
      }),
      { numRuns: 2000 },
    );
    expect(taken).toBeGreaterThan(400);
  });

  it('leaves the converter envelope and odd keys to the full decoder', () => {
    for (const text of [
      '{"schema":{"type":"struct"},"payload":{"id":1}}',
      '{"id":{"nested":1}}',
      '{"\\u0069d":1}',
      '[1]',
      '{"id":1',
      '{"id":1}x',
    ]) {
      expect(keyBytes(Buffer.from(text)), text).toBeUndefined();
    }
    expect(keyBytes(Buffer.from(' {"id":777, "region" : "eu"} '))).toEqual({
      id: 777n,
      region: 'eu',
    });
  });
});
