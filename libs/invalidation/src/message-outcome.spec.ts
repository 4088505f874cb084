import { describe, expect, it } from 'vitest';
import { coalescePlans, isEmptyPlan } from './message-outcome.js';

const empty = { keys: [], tags: [], namespaces: [], patterns: [] };

describe('coalescePlans', () => {
  it('unions every field, each value once, sorted', () => {
    const plan = coalescePlans([
      { keys: ['b', 'a'], tags: ['t'], namespaces: ['search'], patterns: [] },
      { keys: ['a'], tags: [], namespaces: ['cat:7', 'search'], patterns: ['p:*'] },
    ]);
    expect(plan).toEqual({
      keys: ['a', 'b'],
      tags: ['t'],
      namespaces: ['cat:7', 'search'],
      patterns: ['p:*'],
    });
  });
});

describe('isEmptyPlan', () => {
  it('is false as soon as any field names something, namespaces included', () => {
    expect(isEmptyPlan(empty)).toBe(true);
    expect(isEmptyPlan({ ...empty, namespaces: ['search'] })).toBe(false);
    expect(isEmptyPlan({ ...empty, patterns: ['p:*'] })).toBe(false);
  });
});
