import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { JsonSerializer } from './json-serializer.js';

describe('JsonSerializer', () => {
  const serializer = new JsonSerializer();

  it('round-trips bigints beyond 2^53 exactly', () => {
    const value = { id: 9007199254740993n, nested: [{ n: -(2n ** 70n) }], name: 'x' };
    expect(serializer.deserialize(serializer.serialize(value))).toEqual(value);
  });

  it('round-trips any JSON value with bigints mixed in', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.bigInt(), (json, big) => {
        const value = { json: JSON.parse(JSON.stringify(json)) as unknown, big: [big] };
        expect(serializer.deserialize(serializer.serialize(value))).toEqual(value);
      }),
    );
  });

  it('refuses undefined', () => {
    expect(() => serializer.serialize(undefined)).toThrow(/undefined/);
  });
});
