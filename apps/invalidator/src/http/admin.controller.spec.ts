import { readFile } from 'node:fs/promises';
import { NotFoundException, type RawBodyRequest } from '@nestjs/common';
import type { Request } from 'express';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { InvalidationPlan } from '#invalidation';
import type { RedisInvalidator } from '#redis-invalidation';
import type { CascadeLookup } from '#rules';
import { compileConfig } from '../config/invalidator-config.js';
import { InvalidatorMetrics } from '../observability/invalidator-metrics.js';
import { RulesRegistry } from '../rules/rules-registry.js';
import { AdminController } from './admin.controller.js';

const logger = pino({ level: 'silent' });
const env = {
  INVALIDATOR_KAFKA_BROKERS: '127.0.0.1:1',
  INVALIDATOR_KAFKA_TOPICS: 't',
  INVALIDATOR_REDIS_URL: 'redis://127.0.0.1:1',
  INVALIDATOR_RULES_PATH: 'rules',
};
const token = 'a-long-enough-admin-token';

async function controller(extraEnv: Record<string, string> = {}) {
  const applied: InvalidationPlan[] = [];
  const redis = {
    apply: (plan: InvalidationPlan) => {
      applied.push(plan);
      return Promise.resolve({
        keys: plan.keys.length,
        tags: plan.tags.length,
        tagMembers: 0,
        namespaces: 0,
        patterns: 0,
        patternMatches: 0,
        removed: 0,
      });
    },
  } as unknown as RedisInvalidator;
  const lookup: CascadeLookup = {
    run: () => Promise.resolve([{ id: 11, category_id: 5, brand_id: 1 }]),
  };
  const rules = await RulesRegistry.load('rules', logger, new InvalidatorMetrics());
  const admin = new AdminController(
    rules,
    lookup,
    redis,
    compileConfig({ ...env, ...extraEnv }),
    logger,
  );
  return { admin, applied };
}

const body = (text: string) => ({ rawBody: Buffer.from(text) }) as RawBodyRequest<Request>;

describe('AdminController', () => {
  it('explains a real Debezium update against the live rules', async () => {
    const fixture = JSON.parse(
      await readFile('test/fixtures/debezium/captured-update.json', 'utf8'),
    ) as {
      topic: string;
      value: unknown;
    };
    const { admin } = await controller();
    const output = await admin.explain(fixture.topic, body(JSON.stringify(fixture.value)));
    expect(output.event).toBe('product.updated');
    expect(output.keys).toEqual(
      expect.arrayContaining(['category:5:products', 'category:7:products']),
    );
  });

  it('runs cascades through the lookup and counts their rows', async () => {
    const { admin } = await controller();
    const value = JSON.stringify({
      op: 'u',
      before: { id: 5, name: 'Widgets', parent_id: 1 },
      after: { id: 5, name: 'Gizmos', parent_id: 1 },
      source: { schema: 'public', table: 'categories', ts_ms: 1 },
    });
    const output = await admin.explain('catalog.public.categories', body(value));
    expect(output.cascades.map((c) => c.rows)).toEqual([1]);
    expect(output.keys).toContain('product:11');
  });

  it('answers 400 with the reason for an undecodable value', async () => {
    const { admin } = await controller();
    await expect(admin.explain('catalog.public.products', body('{not json'))).rejects.toThrow(
      /DEBEZIUM_INVALID_JSON/,
    );
  });

  it('keeps on-demand invalidation off unless enabled', async () => {
    const off = await controller({ INVALIDATOR_ADMIN_TOKEN: token });
    await expect(off.admin.invalidate({ keys: ['k'], tags: [] })).rejects.toBeInstanceOf(
      NotFoundException,
    );
    const on = await controller({
      INVALIDATOR_ADMIN_INVALIDATE_ENABLED: 'true',
      INVALIDATOR_ADMIN_TOKEN: token,
    });
    await on.admin.invalidate({ keys: ['product:1'], tags: ['product:1'] });
    expect(on.applied).toEqual([
      { keys: ['product:1'], tags: ['product:1'], namespaces: [], patterns: [] },
    ]);
    expect(off.applied).toEqual([]);
  });
});
