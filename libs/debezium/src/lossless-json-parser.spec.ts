import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { isInteger, parse } from 'lossless-json';
import { describe, expect, it } from 'vitest';
import { parseLosslessJson } from './lossless-json-parser.js';

const careful = (text: string): unknown =>
  parse(text, null, (literal: string) => (isInteger(literal) ? BigInt(literal) : Number(literal)));

// JSON texts with what makes fast parsing risky: long and huge integers, fractions, exponents,
// strings that look like numbers after separators, odd keys and random whitespace.
const space = fc.constantFrom('', ' ', '\n', '\t ');
const scalar = fc.oneof(
  fc.bigInt({ min: -(10n ** 22n), max: 10n ** 22n }).map(String),
  fc.bigInt({ min: 9_007_199_254_740_000n, max: 9_007_199_254_741_000n }).map(String),
  fc.integer().map(String),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => JSON.stringify(d)),
  fc.constantFrom('1e3', '-2.5E-4', '1.0', '0', 'true', 'false', 'null'),
  fc.string().map((s) => JSON.stringify(s)),
  fc
    .constantFrom('":1234567890123456,', 'a,1.5', ':9007199254740993', '[1e5')
    .map((s) => JSON.stringify(s)),
);
const key = fc.oneof(fc.string(), fc.constantFrom('id', 'ts_ns', '0', '12', '__proto__', 'a:1'));
const { text } = fc.letrec<{ text: string; array: string; object: string }>((tie) => ({
  text: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalar,
    tie('array'),
    tie('object'),
  ),
  array: fc
    .tuple(fc.array(tie('text'), { maxLength: 5 }), space)
    .map(([items, s]) => `[${s}${items.join(`${s},${s}`)}${s}]`),
  object: fc
    .tuple(
      fc.uniqueArray(key, { maxLength: 5 }),
      fc.array(tie('text'), { minLength: 5, maxLength: 5 }),
      space,
    )
    .map(
      ([keys, values, s]) =>
        `{${keys.map((k, i) => `${s}${JSON.stringify(k)}${s}:${s}${values[i] ?? 'null'}`).join(',')}${s}}`,
    ),
}));

describe('parseLosslessJson', () => {
  it('gives exactly what the careful parser gives, on any JSON text', () => {
    fc.assert(
      fc.property(text, (json) => {
        expect(parseLosslessJson(json)).toEqual(careful(json));
      }),
      { numRuns: 3000 },
    );
  });

  it('keeps every captured Debezium payload exact, 19-digit timestamps and 64-bit ids included', () => {
    const dir = 'test/fixtures/debezium';
    for (const file of readdirSync(dir).filter((name) => name.endsWith('.json'))) {
      const raw = readFileSync(`${dir}/${file}`, 'utf8');
      expect(parseLosslessJson(raw), file).toEqual(careful(raw));
    }
    const value = parseLosslessJson('{"id":9007199254740993,"ts_ns":1795742069278914344,"n":-12}');
    expect(value).toEqual({ id: 9007199254740993n, ts_ns: 1795742069278914344n, n: -12n });
  });

  it('keeps long integers in place when V8 reorders array-index keys', () => {
    // Both literals round to the same double, so only document order tells them apart.
    const json = '{"b":9007199254740993,"1":9007199254740992}';
    expect(parseLosslessJson(json)).toEqual({ b: 9007199254740993n, 1: 9007199254740992n });
  });

  it('keeps fractions and exponents as numbers', () => {
    expect(parseLosslessJson('{"a":1.5,"b":1e3,"c":2.0}')).toEqual({ a: 1.5, b: 1000, c: 2 });
  });

  it('throws SyntaxError on text that is not JSON', () => {
    expect(() => parseLosslessJson('{"a":')).toThrow(SyntaxError);
  });
});
