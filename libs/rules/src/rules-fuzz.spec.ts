import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { decodeMessage } from '#debezium';
import { InvalidatorError } from '#errors';
import { compileRules, evaluate, expand, formatProblem, RulesInvalidError } from './index.js';

function compileOrTypedError(text: string): void {
  try {
    compileRules([{ path: 'fuzz.yaml', text }]);
  } catch (error) {
    expect(error).toBeInstanceOf(RulesInvalidError);
    const problems = (error as RulesInvalidError).problems;
    expect(problems.length).toBeGreaterThan(0);
    for (const problem of problems) {
      expect(problem.file).toBe('fuzz.yaml');
      expect(problem.line).toBeGreaterThanOrEqual(1);
      expect(problem.column).toBeGreaterThanOrEqual(1);
      expect(problem.message.length).toBeGreaterThan(0);
      expect(formatProblem(problem)).toMatch(/^fuzz\.yaml:\d+:\d+[ :]/);
    }
  }
}

const ruleish = fc.record(
  {
    version: fc.oneof(fc.constant(1), fc.jsonValue()),
    entities: fc.oneof(
      fc.dictionary(
        fc.string(),
        fc.record({ table: fc.oneof(fc.string(), fc.constant('public.t')) }),
      ),
      fc.jsonValue(),
    ),
    rules: fc.array(
      fc.record(
        {
          name: fc.oneof(fc.string(), fc.constant('r')),
          on: fc.array(fc.oneof(fc.string(), fc.constantFrom('t.updated', 'x.*', 't.read'))),
          when: fc.oneof(fc.record({ changed: fc.array(fc.string()) }), fc.jsonValue()),
          invalidate: fc.array(
            fc.oneof(
              fc.record({ key: fc.string() }),
              fc.record({ pattern: fc.string() }),
              fc.record({
                cascade: fc.record({
                  entity: fc.string(),
                  lookup: fc.string(),
                  params: fc.array(fc.string()),
                }),
              }),
              fc.jsonValue(),
            ),
          ),
        },
        { requiredKeys: [] },
      ),
    ),
  },
  { requiredKeys: [] },
);

// Generous timeout: many runs, and CI machines are shared.
describe('compileRules fuzz', { timeout: 60_000 }, () => {
  it('turns arbitrary text into a rule set or a RulesInvalidError, never a crash', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary' }), compileOrTypedError), { numRuns: 500 });
  });

  it('turns arbitrary rule-shaped YAML into a rule set or a RulesInvalidError', () => {
    fc.assert(
      fc.property(ruleish, (data) => {
        compileOrTypedError(stringify(data));
      }),
      { numRuns: 200 },
    );
  });

  it('survives YAML bombs and odd documents', () => {
    for (const text of [
      'a: &a [*a]',
      'x: &x\n  - *x\n',
      '---\n---\n',
      '!!binary AAAA',
      '? [a]\n: b',
      'version: 1\nversion: 1',
    ]) {
      compileOrTypedError(text);
    }
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (let i = 0; i < 9; i++)
      bomb.push(
        `${'bcdefghij'[i] ?? 'z'}: &${'bcdefghij'[i] ?? 'z'} [${Array(9)
          .fill(`*${i === 0 ? 'a' : ('bcdefghij'[i - 1] ?? 'z')}`)
          .join(',')}]`,
      );
    compileOrTypedError(bomb.join('\n'));
  });

  it('reports deeply nested YAML as a problem, not a stack overflow', () => {
    for (const text of [
      '['.repeat(50_000),
      `a:\n  - ${'['.repeat(50_000)}`,
      '{a: '.repeat(20_000),
    ]) {
      expect(() => compileRules([{ path: 'deep.yaml', text }])).toThrow(RulesInvalidError);
    }
  });
});

const demo = compileRules([
  {
    path: 'rules/catalog.yaml',
    text: readFileSync(new URL('../../../rules/catalog.yaml', import.meta.url), 'utf8'),
  },
]);

/** Any value a column could hold, including the ones rules cannot render. */
const columnValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.double(),
  fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }),
  fc.string(),
  fc.string({ minLength: 4000, maxLength: 5000 }),
  fc.constant('__debezium_unavailable_value'),
  fc.constantFrom('*', '?', '[', '\\', '{id}'),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.dictionary(fc.string(), fc.integer(), { maxKeys: 2 }),
);
const demoColumns = ['id', 'name', 'price', 'category_id', 'brand_id', 'parent_id'];
const image = fc.option(
  fc.dictionary(fc.oneof(fc.constantFrom(...demoColumns), fc.string()), columnValue, {
    maxKeys: 8,
  }),
);
/** Debezium-shaped envelopes for the demo tables (and others), valid or nearly so. */
const envelope = fc.record(
  {
    op: fc.constantFrom('c', 'u', 'd', 'r', 't'),
    before: image,
    after: image,
    source: fc.record({
      schema: fc.constantFrom('public', 'other'),
      table: fc.constantFrom('products', 'categories', 'brands', 'unknown'),
      ts_ms: fc.oneof(fc.integer(), fc.constant(null)),
    }),
    ts_ms: fc.integer(),
  },
  { requiredKeys: ['op', 'source'] },
);

/** JSON with integers as bare literals, as Debezium writes them (bigints beyond 2^53 included). */
function debeziumJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    typeof v === 'bigint' ? `__int__${v.toString()}__` : v,
  ).replace(/"__int__(-?\d+)__"/g, '$1');
}

describe('decode + evaluate + expand fuzz', { timeout: 60_000 }, () => {
  it('turns any Debezium-shaped message into invalidations or a typed, coded, non-retriable error', async () => {
    const lookup = { run: () => Promise.resolve([{ id: 1n, category_id: 5n, brand_id: 1n }]) };
    await fc.assert(
      fc.asyncProperty(envelope, async (value) => {
        try {
          const event = decodeMessage({
            topic: 'catalog.public.products',
            key: null,
            value: debeziumJson(value),
          });
          const evaluation = evaluate(demo, event);
          const expansion = await expand(demo, evaluation, lookup);
          for (const list of [expansion.keys, expansion.tags, expansion.patterns]) {
            for (const target of list) {
              expect(target).not.toMatch(/(^|:)(null|undefined|\[object Object\])(:|$)/);
              expect(Buffer.byteLength(target)).toBeLessThanOrEqual(4096);
            }
          }
        } catch (error) {
          // Exactly what the processor dead-letters: a typed error with a code, never retried.
          expect(error).toBeInstanceOf(InvalidatorError);
          expect((error as InvalidatorError).code).toMatch(/^[A-Z_]+$/);
          expect((error as InvalidatorError).retriable).toBe(false);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
