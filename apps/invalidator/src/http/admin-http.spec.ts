import 'reflect-metadata';
import { readFile } from 'node:fs/promises';
import { Module, type DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { InvalidationPlan } from '#invalidation';
import { CASCADE_LOOKUP } from '#nest-debezium';
import { RedisInvalidator } from '#redis-invalidation';
import { compileConfig } from '../config/invalidator-config.js';
import { CONFIG, LOGGER } from '../invalidator-tokens.js';
import { InvalidatorMetrics } from '../observability/invalidator-metrics.js';
import { RulesRegistry } from '../rules/rules-registry.js';
import { AdminController } from './admin.controller.js';
import { applyBodyLimits } from './body-limits.js';

// The admin endpoints over real HTTP in a real Nest app: the guard, the pipes and the body limit
// are wired by Nest, so calling the controller's methods directly would not exercise them.

const logger = pino({ level: 'silent' });
const token = 'a-long-enough-admin-token';
const baseEnv = {
  INVALIDATOR_KAFKA_BROKERS: '127.0.0.1:1',
  INVALIDATOR_KAFKA_TOPICS: 't',
  INVALIDATOR_REDIS_URL: 'redis://127.0.0.1:1',
  INVALIDATOR_RULES_PATH: 'rules',
  INVALIDATOR_HTTP_BODY_LIMIT_BYTES: '4096',
};

let app: NestExpressApplication | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function serve(env: Record<string, string> = {}) {
  const config = compileConfig({ ...baseEnv, ...env });
  const applied: InvalidationPlan[] = [];
  const lookups: unknown[] = [];
  const rules = await RulesRegistry.load('rules', logger, new InvalidatorMetrics());
  @Module({})
  class AdminTestModule {
    static create(): DynamicModule {
      return {
        module: AdminTestModule,
        controllers: [AdminController],
        providers: [
          { provide: RulesRegistry, useValue: rules },
          { provide: CONFIG, useValue: config },
          { provide: LOGGER, useValue: logger },
          {
            provide: CASCADE_LOOKUP,
            useValue: {
              run: (request: unknown) => {
                lookups.push(request);
                return Promise.resolve([]);
              },
            },
          },
          {
            provide: RedisInvalidator,
            useValue: {
              apply: (plan: InvalidationPlan) => {
                applied.push(plan);
                return Promise.resolve({ keys: plan.keys.length, removed: 0 });
              },
            },
          },
        ],
      };
    }
  }
  app = await NestFactory.create<NestExpressApplication>(AdminTestModule.create(), {
    logger: false,
    rawBody: true,
  });
  applyBodyLimits(app, config.http.bodyLimitBytes);
  await app.listen(0, '127.0.0.1');
  const base = await app.getUrl();
  const post = (path: string, body: string, headers: Record<string, string> = {}) =>
    fetch(`${base}${path}`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', ...headers },
    });
  return { post, applied, lookups };
}

const update = async () =>
  JSON.stringify(
    (
      JSON.parse(await readFile('test/fixtures/debezium/captured-update.json', 'utf8')) as {
        value: unknown;
      }
    ).value,
  );
const bearer = { authorization: `Bearer ${token}` };

describe('admin endpoints over HTTP', () => {
  it('do not exist without a configured token', async () => {
    const { post } = await serve();
    expect(
      (await post('/admin/explain?topic=catalog.public.products', await update())).status,
    ).toBe(404);
    expect((await post('/admin/invalidate', '{"keys":["k"]}', bearer)).status).toBe(404);
  });

  it('refuse a missing or wrong token with 401, before reading the database', async () => {
    const { post, lookups } = await serve({ INVALIDATOR_ADMIN_TOKEN: token });
    const category = JSON.stringify({
      op: 'u',
      before: { id: 5, name: 'A', parent_id: 1 },
      after: { id: 5, name: 'B', parent_id: 1 },
      source: { schema: 'public', table: 'categories' },
    });
    const path = '/admin/explain?topic=catalog.public.categories';
    expect((await post(path, category)).status).toBe(401);
    expect((await post(path, category, { authorization: `Bearer ${token}x` })).status).toBe(401);
    expect((await post(path, category, { authorization: token })).status).toBe(401);
    expect(lookups).toEqual([]);
    const allowed = await post(path, category, bearer);
    expect(allowed.status).toBe(200);
    expect(lookups).toHaveLength(1);
  });

  it('explain answers with the token, from a JSON or a plain-text body', async () => {
    const { post } = await serve({ INVALIDATOR_ADMIN_TOKEN: token });
    const path = '/admin/explain?topic=catalog.public.products';
    for (const type of ['application/json', 'text/plain']) {
      const response = await post(path, await update(), { ...bearer, 'content-type': type });
      expect(response.status).toBe(200);
      expect(((await response.json()) as { event: string }).event).toBe('product.updated');
    }
    const noTopic = await post('/admin/explain', await update(), bearer);
    expect(noTopic.status).toBe(400);
    expect(await noTopic.text()).toContain('query parameter \\"topic\\" is required');
  });

  it('refuses a body over INVALIDATOR_HTTP_BODY_LIMIT_BYTES with 413', async () => {
    const { post, applied } = await serve({
      INVALIDATOR_ADMIN_TOKEN: token,
      INVALIDATOR_ADMIN_INVALIDATE_ENABLED: 'true',
    });
    const keys = Array.from({ length: 400 }, (_, i) => `product:${i}`);
    expect((await post('/admin/invalidate', JSON.stringify({ keys }), bearer)).status).toBe(413);
    const text = { ...bearer, 'content-type': 'text/plain' };
    expect((await post('/admin/explain?topic=t', 'x'.repeat(5000), text)).status).toBe(413);
    expect(applied).toEqual([]);
  });

  it('validates the invalidate body with a pipe, naming each bad field', async () => {
    const { post, applied } = await serve({
      INVALIDATOR_ADMIN_TOKEN: token,
      INVALIDATOR_ADMIN_INVALIDATE_ENABLED: 'true',
    });
    const bad = await post('/admin/invalidate', '{"keys":[1,""],"patterns":["*"]}', bearer);
    expect(bad.status).toBe(400);
    const { message } = (await bad.json()) as { message: string[] };
    expect(message).toEqual(
      expect.arrayContaining([
        'keys.0: Invalid input: expected string, received number',
        'keys.1: expected a non-empty string',
        'unexpected field "patterns": expected only "keys" and "tags"',
      ]),
    );
    expect((await post('/admin/invalidate', '[]', bearer)).status).toBe(400);
    const ok = await post('/admin/invalidate', '{"keys":["product:1"]}', bearer);
    expect(ok.status).toBe(200);
    expect(applied).toEqual([{ keys: ['product:1'], tags: [], namespaces: [], patterns: [] }]);
  });
});
