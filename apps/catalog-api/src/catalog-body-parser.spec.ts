import { describe, expect, it } from 'vitest';
import { parseCategoryChanges, parseId, parseProductChanges } from './catalog-body-parser.js';

describe('catalog body parsing', () => {
  it('keeps ids beyond 2^53 exact and rejects non-ids naming the field', () => {
    expect(parseId('9007199254740993', 'id')).toBe('9007199254740993');
    expect(parseId(5, 'category_id')).toBe('5');
    expect(() => parseId('abc', 'id')).toThrow(/^id: /);
    expect(() => parseId('9223372036854775808', 'id')).toThrow(/^id: /);
    expect(() => parseId(2 ** 53 + 2, 'category_id')).toThrow(/^category_id: /);
  });

  it('accepts partial product changes and names the bad field', () => {
    expect(parseProductChanges({ price: 80, name: ' Blue ' })).toEqual({
      price: '80',
      name: 'Blue',
    });
    expect(parseProductChanges({ category_id: '7' })).toEqual({ category_id: '7' });
    expect(() => parseProductChanges({ price: -1 })).toThrow(/^price: /);
    expect(() => parseProductChanges({ price: '1.234' })).toThrow(/^price: /);
    expect(() => parseProductChanges({ name: '' })).toThrow(/^name: /);
    expect(() => parseProductChanges({ colour: 'red' })).toThrow(/^colour: unknown field/);
    expect(() => parseProductChanges({})).toThrow(/^body: /);
    expect(() => parseProductChanges([1])).toThrow(/^body: /);
  });

  it('requires a category name', () => {
    expect(parseCategoryChanges({ name: 'Tools' })).toEqual({ name: 'Tools' });
    expect(() => parseCategoryChanges({})).toThrow(/^name: /);
  });
});
