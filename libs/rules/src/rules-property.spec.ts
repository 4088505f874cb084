import { readFileSync } from 'node:fs';
import type { ChangeEvent, ColumnValue, Row } from '#debezium';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileRules, evaluate } from './index.js';

const demo = compileRules([
  {
    path: 'rules/catalog.yaml',
    text: readFileSync(new URL('../../../rules/catalog.yaml', import.meta.url), 'utf8'),
  },
]);
const searchRules = compileRules([
  {
    path: 's.yaml',
    text: `version: 1
entities:
  product: { table: public.products }
rules:
  - name: search
    on: [product.*]
    invalidate:
      - pattern: "search:{name}:*"
      - pattern: "cat:{category_id}:{name}"
      - key: "product:{id}"
`,
  },
]);

const value: fc.Arbitrary<ColumnValue> = fc.oneof(
  fc.constant(null),
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
  fc.string(),
  fc.constantFrom('*', '?', '[a-z]', '\\', 'null', 'undefined', ''),
);
const columns = ['id', 'name', 'price', 'category_id', 'brand_id'];
const rowArb: fc.Arbitrary<Row> = fc.dictionary(fc.constantFrom(...columns), value);
// Debezium's after-image of a row event always holds every column of the table.
const fullRowArb: fc.Arbitrary<Row> = fc.record(
  Object.fromEntries(columns.map((column) => [column, value])),
);
const source = {
  version: null,
  connector: null,
  name: null,
  tsMs: null,
  snapshot: null,
  db: null,
  schema: 'public',
  table: 'products',
  txId: null,
  lsn: null,
  raw: {},
};
const eventArb: fc.Arbitrary<ChangeEvent> = fc
  .tuple(fc.constantFrom('c', 'u', 'd', 'r'), rowArb, fullRowArb, fc.boolean())
  .map(([op, before, after, hasBefore]) => ({
    kind: 'row',
    op,
    topic: 'catalog.public.products',
    table: 'public.products',
    key: null,
    before: op === 'c' || op === 'r' || !hasBefore ? (op === 'd' ? before : null) : before,
    after: op === 'd' ? null : after,
    source,
    tsMs: null,
  }));

/** Every value the event carries, as rendered. */
function dataStrings(event: ChangeEvent): string[] {
  if (event.kind !== 'row') return [];
  return [event.before, event.after].flatMap((row) =>
    Object.values(row ?? {}).flatMap((v) =>
      typeof v === 'string' || typeof v === 'bigint' ? [String(v)] : [],
    ),
  );
}

describe('evaluate properties', { timeout: 60_000 }, () => {
  it('never renders null or undefined from a missing value', () => {
    fc.assert(
      fc.property(eventArb, (event) => {
        const result = evaluate(demo, event);
        const honest = new Set(dataStrings(event));
        for (const key of [...result.keys, ...result.tags]) {
          for (const part of key.split(':')) {
            if (part === 'null' || part === 'undefined') expect(honest.has(part)).toBe(true);
          }
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('never lets data add an unescaped wildcard to a pattern', () => {
    fc.assert(
      fc.property(eventArb, (event) => {
        for (const pattern of evaluate(searchRules, event).patterns) {
          // Strip the literal template text; what is left came from data and must be escaped.
          const unescaped = pattern.replace(/\\./g, '');
          const wildcards = (unescaped.match(/[*?[\]]/g) ?? []).length;
          const fromTemplate = pattern.startsWith('search:') ? 1 : 0;
          expect(wildcards).toBe(fromTemplate);
          expect(pattern.endsWith('\\') && !pattern.endsWith('\\\\')).toBe(false);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('dead-letters an after-image that lacks a column a rule reads, never renders without it', () => {
    fc.assert(
      fc.property(eventArb, fc.constantFrom(...columns), (event, dropped) => {
        if (event.kind !== 'row' || event.after === null) return;
        const { [dropped]: _gone, ...after } = event.after;
        const renamed = { ...event, after };
        let result;
        try {
          result = evaluate(searchRules, renamed);
        } catch (error) {
          expect(error).toMatchObject({ code: 'RULE_COLUMN_MISSING', retriable: false });
          return;
        }
        // Only a column no template reads may go missing without an error (or no rule applied).
        if (result.rules.length > 0) expect(['price', 'brand_id']).toContain(dropped);
      }),
      { numRuns: 500 },
    );
  });

  it('is deterministic and returns sorted, unique lists', () => {
    fc.assert(
      fc.property(eventArb, (event) => {
        const first = evaluate(demo, event);
        expect(evaluate(demo, event)).toEqual(first);
        for (const list of [first.keys, first.tags, first.patterns]) {
          expect([...new Set(list)].sort()).toEqual(list);
        }
      }),
      { numRuns: 500 },
    );
  });
});
