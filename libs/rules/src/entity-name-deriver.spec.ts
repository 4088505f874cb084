import { describe, expect, it } from 'vitest';
import { deriveEntityName } from './entity-name-deriver.js';

describe('deriveEntityName', () => {
  it.each([
    ['products', 'product'],
    ['categories', 'category'],
    ['brands', 'brand'],
    ['addresses', 'address'],
    ['boxes', 'box'],
    ['OrderItems', 'order_item'],
    ['order_items', 'order_item'],
    ['status', 'status'],
    ['person', 'person'],
    ['2fa codes', 't_2fa_code'],
    ['days', 'day'],
  ])('%s → %s', (table, entity) => {
    expect(deriveEntityName(table)).toBe(entity);
  });
});
