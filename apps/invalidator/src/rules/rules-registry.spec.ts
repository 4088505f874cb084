import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvalidatorMetrics } from '../observability/invalidator-metrics.js';
import { RulesRegistry } from './rules-registry.js';

const rules = (key: string) => `
version: 1
entities:
  product: { table: public.products }
rules:
  - name: product-pages
    on: [product.updated]
    invalidate:
      - key: "${key}"
`;

describe('RulesRegistry', () => {
  let dir: string;
  let file: string;
  const logger = pino({ level: 'silent' });

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rules-registry-'));
    file = join(dir, 'rules.yaml');
    await writeFile(file, rules('product:{id}'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('swaps in a valid new rule set on reload', async () => {
    const metrics = new InvalidatorMetrics();
    const registry = await RulesRegistry.load(file, logger, metrics);
    const before = registry.ruleSet;
    await writeFile(file, rules('item:{id}'));
    await expect(registry.reload()).resolves.toBe(true);
    expect(registry.ruleSet).not.toBe(before);
    expect(JSON.stringify(registry.ruleSet.rules)).toContain('item:');
    expect(
      await metrics.registry.getSingleMetricAsString('invalidator_rule_reloads_total'),
    ).toContain('result="applied"} 1');
  });

  it('tells its listener which set a reload replaced, and only when it did', async () => {
    const replaced: [unknown, unknown][] = [];
    const registry = await RulesRegistry.load(file, logger, new InvalidatorMetrics(), (a, b) =>
      replaced.push([a, b]),
    );
    const before = registry.ruleSet;
    await writeFile(file, 'version: 2\n');
    await registry.reload();
    expect(replaced).toEqual([]);
    await writeFile(file, rules('item:{id}'));
    await registry.reload();
    expect(replaced).toEqual([[before, registry.ruleSet]]);
  });

  it('rejects an invalid rule set and keeps the old one in force', async () => {
    const metrics = new InvalidatorMetrics();
    const registry = await RulesRegistry.load(file, logger, metrics);
    const before = registry.ruleSet;
    await writeFile(file, rules('*:{id}').replace('key:', 'pattern:'));
    await expect(registry.reload()).resolves.toBe(false);
    expect(registry.ruleSet).toBe(before);
    expect(
      await metrics.registry.getSingleMetricAsString('invalidator_rule_reloads_total'),
    ).toContain('result="rejected"} 1');
  });

  it('refuses to start without valid rules', async () => {
    await writeFile(file, 'version: 2\n');
    await expect(RulesRegistry.load(file, logger, new InvalidatorMetrics())).rejects.toMatchObject({
      code: 'RULES_INVALID',
    });
  });
});
