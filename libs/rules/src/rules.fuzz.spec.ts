import fc from 'fast-check';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { compileRules, RulesInvalidError } from './index.js';

function compileOrTypedError(text: string): void {
  try {
    compileRules([{ path: 'fuzz.yaml', text }]);
  } catch (error) {
    expect(error).toBeInstanceOf(RulesInvalidError);
    const problems = (error as RulesInvalidError).problems;
    expect(problems.length).toBeGreaterThan(0);
    for (const problem of problems) {
      expect(problem.line).toBeGreaterThanOrEqual(1);
      expect(problem.message.length).toBeGreaterThan(0);
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
