import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeMessage, DecodeError } from './index.js';

const ok = (fn: () => unknown): void => {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(DecodeError);
  }
};

describe('decodeMessage fuzz', { timeout: 60_000 }, () => {
  it('turns arbitrary bytes into an event or a DecodeError, never anything else', () => {
    fc.assert(
      fc.property(fc.option(fc.uint8Array()), fc.option(fc.uint8Array()), (key, value) => {
        ok(() => decodeMessage({ topic: 't.public.x', key, value }));
      }),
      { numRuns: 500 },
    );
  });

  it('turns arbitrary JSON into an event or a DecodeError', () => {
    const debeziumish = fc.record(
      {
        op: fc.constantFrom('c', 'u', 'd', 'r', 't', 'x', 1),
        before: fc.option(fc.object()),
        after: fc.option(fc.object()),
        source: fc.oneof(fc.object(), fc.record({ schema: fc.string(), table: fc.string() })),
        ts_ms: fc.oneof(fc.integer(), fc.string()),
        type: fc.string(),
        payload: fc.object(),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), debeziumish), (json) => {
        ok(() => decodeMessage({ topic: 't.public.x', key: null, value: JSON.stringify(json) }));
      }),
      { numRuns: 500 },
    );
  });

  it('reports deeply nested JSON as a DecodeError, not a stack overflow', () => {
    const value = `${'['.repeat(200_000)}${']'.repeat(200_000)}`;
    expect(() => decodeMessage({ topic: 't', key: null, value })).toThrow(DecodeError);
  });
});
