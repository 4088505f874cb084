import { describe, expect, it } from 'vitest';
import { coalescePlans } from './message-outcome.js';

describe('coalescePlans', () => {
  it('keeps the highest version of each key, compared exactly', () => {
    const plan = coalescePlans([
      {
        keys: ['a', 'b'],
        tags: [],
        patterns: [],
        versions: [
          { key: 'a', version: '9007199254740993' },
          { key: 'b', version: '9' },
        ],
      },
      { keys: ['a', 'c'], tags: ['t'], patterns: [] },
      {
        keys: ['a', 'b'],
        tags: [],
        patterns: [],
        versions: [
          { key: 'a', version: '9007199254740992' },
          { key: 'b', version: '10' },
        ],
      },
    ]);
    expect(plan).toEqual({
      keys: ['a', 'b', 'c'],
      tags: ['t'],
      patterns: [],
      versions: [
        { key: 'a', version: '9007199254740993' },
        { key: 'b', version: '10' },
      ],
    });
  });

  it('adds no versions field when no plan carries one', () => {
    expect(coalescePlans([{ keys: ['a'], tags: [], patterns: [] }])).toEqual({
      keys: ['a'],
      tags: [],
      patterns: [],
    });
  });
});
