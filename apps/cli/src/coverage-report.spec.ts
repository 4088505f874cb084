import { readFileSync } from 'node:fs';
import { compileRules } from '#rules';
import { describe, expect, it } from 'vitest';
import { root } from '../../../test/support/cli.harness.js';
import { coverageReport, keyFamily } from './coverage-report.js';

const demo = compileRules([
  { path: 'rules/catalog.yaml', text: readFileSync(`${root}rules/catalog.yaml`, 'utf8') },
]);

describe('keyFamily', () => {
  it.each([
    ['product:123', 'product:{}'],
    ['category:5:products', 'category:{}:products'],
    ['app-7f1d3c2e-1b2a-4c3d-9e8f-0a1b2c3d4e5f:cart:9', 'app-{}:cart:{}'],
    ['search:red:page2', 'search:red:page{}'],
    ['token:AbC123xyz789QRSTuv', 'token:{}'],
    ['user:-42', 'user:{}'],
    ['plain', 'plain'],
  ])('%s → %s', (key, family) => {
    expect(keyFamily(key)).toBe(family);
  });
});

describe('coverageReport', () => {
  it('groups keys, sorts by count, asks the rules about each example, and sums TTLs', () => {
    const report = coverageReport(demo, [
      { key: 'product:1', ttlSeconds: 30 },
      { key: 'product:2', ttlSeconds: 90 },
      { key: 'product:3', ttlSeconds: null },
      { key: 'session:4', ttlSeconds: null },
      { key: 'category:5:products', ttlSeconds: 10 },
    ]);
    expect(report).toEqual({
      sampled: 5,
      families: [
        {
          family: 'product:{}',
          count: 3,
          example: 'product:1',
          covered: true,
          by: ['product-pages', 'product-bulk', 'brand-pages'],
          ttl: { min: 30, max: 90, none: 1 },
        },
        {
          family: 'category:{}:products',
          count: 1,
          example: 'category:5:products',
          covered: true,
          by: ['product-pages', 'product-bulk', 'category-pages'],
          ttl: { min: 10, max: 10, none: 0 },
        },
        {
          family: 'session:{}',
          count: 1,
          example: 'session:4',
          covered: false,
          by: [],
          ttl: { min: null, max: null, none: 1 },
        },
      ],
      uncovered: 1,
    });
  });

  it('is empty and fully covered for an empty sample', () => {
    expect(coverageReport(demo, [])).toEqual({ sampled: 0, families: [], uncovered: 0 });
  });
});
