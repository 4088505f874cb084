import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { EntityEvent } from './entity-event-mapper.js';
import { compileTemplate } from './template-compiler.js';
import { matchTemplate } from './template-matcher.js';
import { renderTemplate } from './template-renderer.js';

/** Renders `source` the way rule evaluation does, from one row used as both images. */
function render(source: string, glob: boolean, row: Record<string, string>): string[] {
  const event: EntityEvent = {
    name: 'x.updated',
    entity: 'x',
    verb: 'updated',
    before: row,
    after: row,
    images: ['before', 'after'],
  };
  const out = new Set<string>();
  renderTemplate(
    compileTemplate(source, glob),
    { rule: 'r', target: 'key', event, skipped: [] },
    out,
  );
  return [...out];
}

const names = ['id', 'slug', 'before.id', 'after.slug'] as const;
const column = (name: string) => name.replace(/^(before|after)\./, '');
const valueArb = fc.string({
  unit: fc.constantFrom('a', '1', ':', '*', '?', '[', ']', '\\', '-', 'é'),
  maxLength: 5,
});
const literalArb = fc.string({
  unit: fc.constantFrom('a', 'b', ':', '-', '*', '?', '[', '\\'),
  maxLength: 4,
});

/** A glob piece with a text it matches. */
const globPieceArb: fc.Arbitrary<{ glob: string; text: fc.Arbitrary<string> }> = fc.constantFrom(
  { glob: ':', text: fc.constant(':') },
  { glob: 'ab', text: fc.constant('ab') },
  { glob: '*', text: valueArb },
  { glob: '?', text: fc.constantFrom('x', ':', '*') },
  { glob: '[a-c]', text: fc.constantFrom('a', 'b', 'c') },
  { glob: '[^:]', text: fc.constantFrom('z', '*') },
  { glob: '\\*', text: fc.constant('*') },
  { glob: '\\\\', text: fc.constant('\\') },
);

// Full rendering semantics: values may hold any character, the key separator included.
const many = { maxSolutions: 100_000, maxSteps: 10_000_000, valueExcludes: '' };

describe('matchTemplate', { timeout: 60_000 }, () => {
  it('finds the bindings a key template was rendered with', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            literalArb,
            fc.constantFrom(...names).map((n) => `{${n}}`),
          ),
          {
            maxLength: 5,
          },
        ),
        fc.record({ id: valueArb, slug: valueArb }),
        (parts, row) => {
          const source = parts.join('');
          const [key] = render(source, false, row);
          if (key === undefined) throw new Error('nothing rendered');
          const used = compileTemplate(source, false).placeholders.map((p) => p.text);
          const expected = Object.fromEntries(used.map((n) => [n, row[column(n) as 'id']]));
          expect(matchTemplate(compileTemplate(source, false), key, many)).toContainEqual(expected);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('finds the bindings of a pattern for any key its rendered glob matches', () => {
    const partArb = fc.oneof(
      globPieceArb.chain((p) => p.text.map((text) => ({ source: p.glob, text, name: null }))),
      fc.constantFrom(...names).map((name) => ({ source: `{${name}}`, text: '', name })),
    );
    fc.assert(
      fc.property(
        fc.array(partArb, { maxLength: 5 }),
        fc.record({ id: valueArb, slug: valueArb }),
        (parts, row) => {
          const source = `p${parts.map((p) => p.source).join('')}`;
          const key = `p${parts.map((p) => (p.name === null ? p.text : row[column(p.name) as 'id'])).join('')}`;
          expect(render(source, true, row)).toHaveLength(1);
          const expected = Object.fromEntries(
            parts.flatMap((p) => (p.name === null ? [] : [[p.name, row[column(p.name) as 'id']]])),
          );
          expect(matchTemplate(compileTemplate(source, true), key, many)).toContainEqual(expected);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('with the default separator rule, still finds bindings whose values hold no ":"', () => {
    const segmentArb = valueArb.map((v) => v.replaceAll(':', ''));
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            literalArb,
            fc.constantFrom(...names).map((n) => `{${n}}`),
          ),
          {
            maxLength: 5,
          },
        ),
        fc.record({ id: segmentArb, slug: segmentArb }),
        (parts, row) => {
          const source = parts.join('');
          const [key = ''] = render(source, false, row);
          const used = compileTemplate(source, false).placeholders.map((p) => p.text);
          const expected = Object.fromEntries(used.map((n) => [n, row[column(n) as 'id']]));
          const found = matchTemplate(compileTemplate(source, false), key, {
            maxSolutions: 100_000,
            maxSteps: 10_000_000,
          });
          expect(found).toContainEqual(expected);
          expect(found.flatMap((b) => Object.values(b)).join('')).not.toContain(':');
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('follows Redis glob rules', () => {
    const glob = (source: string, key: string) =>
      matchTemplate(compileTemplate(source, true), key).length > 0;
    expect(glob('a*', 'a')).toBe(true);
    expect(glob('a?', 'a')).toBe(false);
    expect(glob('a[bc]d', 'acd')).toBe(true);
    expect(glob('a[^bc]d', 'acd')).toBe(false);
    expect(glob('a[c-a]', 'ab')).toBe(true);
    expect(glob('a\\*', 'ax')).toBe(false);
    expect(glob('a\\*', 'a*')).toBe(true);
    expect(glob('a[\\]]', 'a]')).toBe(true);
  });

  it('never treats literal key text as a glob', () => {
    expect(matchTemplate(compileTemplate('a*:{id}', false), 'ab:1')).toEqual([]);
    expect(matchTemplate(compileTemplate('a*:{id}', false), 'a*:1')).toEqual([{ id: '1' }]);
  });

  it('stops at the solution bound', () => {
    const found = matchTemplate(compileTemplate('{id}{slug}', false), 'x'.repeat(40), {
      maxSolutions: 5,
    });
    expect(found).toHaveLength(5);
  });
});
