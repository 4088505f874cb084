import { describe, expect, it } from 'vitest';
import { coalescePlans, isEmptyPlan } from './message-outcome.js';

const empty = { keys: [], tags: [], namespaces: [], patterns: [] };

describe('coalescePlans', () => {
  it('unions every field, each value once, in the order first seen', () => {
    const plan = coalescePlans([
      { keys: ['b', 'a'], tags: ['t'], namespaces: ['search'], patterns: [] },
      { keys: ['a'], tags: [], namespaces: ['cat:7', 'search'], patterns: ['p:*'] },
    ]);
    expect(plan).toEqual({
      keys: ['b', 'a'],
      tags: ['t'],
      namespaces: ['search', 'cat:7'],
      patterns: ['p:*'],
    });
  });

  it('keeps the highest version of each key, compared exactly', () => {
    const plan = coalescePlans([
      {
        ...empty,
        keys: ['a', 'b'],
        versions: [
          { key: 'a', version: '9007199254740993' },
          { key: 'b', version: '9' },
        ],
      },
      { ...empty, keys: ['a', 'c'], tags: ['t'] },
      {
        ...empty,
        keys: ['a', 'b'],
        versions: [
          { key: 'a', version: '9007199254740992' },
          { key: 'b', version: '10' },
        ],
      },
    ]);
    expect(plan).toEqual({
      ...empty,
      keys: ['a', 'b', 'c'],
      tags: ['t'],
      versions: [
        { key: 'a', version: '9007199254740993' },
        { key: 'b', version: '10' },
      ],
    });
  });

  it('adds no versions field when no plan carries one', () => {
    expect(coalescePlans([{ ...empty, keys: ['a'] }])).toEqual({ ...empty, keys: ['a'] });
  });
});

describe('isEmptyPlan', () => {
  it('is false as soon as any field names something, namespaces included', () => {
    expect(isEmptyPlan(empty)).toBe(true);
    expect(isEmptyPlan({ ...empty, namespaces: ['search'] })).toBe(false);
    expect(isEmptyPlan({ ...empty, patterns: ['p:*'] })).toBe(false);
  });
});
