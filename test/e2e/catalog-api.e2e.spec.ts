import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Redis } from 'ioredis';
import { CacheClient } from '#cache-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// The app is booted in-process; apps have no `#name` entry, so this test imports it by path.
// eslint-disable-next-line no-restricted-imports
import { readCatalogConfig } from '../../apps/catalog-api/src/catalog-config.js';
// eslint-disable-next-line no-restricted-imports
import { CatalogModule } from '../../apps/catalog-api/src/catalog.module.js';
import {
  createIsolatedCatalog,
  endpoints,
  type IsolatedCatalog,
  uniqueName,
} from '#local-pipeline';

let catalog: IsolatedCatalog;
let app: INestApplication;
let baseUrl: string;
let cache: CacheClient;
let redis: Redis;
const prefix = `t-${randomUUID()}:`;

async function call(
  method: 'GET' | 'PUT',
  path: string,
  body?: unknown,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? null : JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

beforeAll(async () => {
  catalog = await createIsolatedCatalog({ name: uniqueName('t_catalog_api') });
  const config = readCatalogConfig({
    CATALOG_DATABASE_URL: `${endpoints.postgresUrl}?options=-c%20search_path%3D${catalog.name}`,
    CATALOG_REDIS_URL: endpoints.redisUrl,
    CATALOG_HTTP_PORT: '0',
    CATALOG_CACHE_TTL_SECONDS: '60',
    CATALOG_CACHE_PREFIX: prefix,
  });
  app = await NestFactory.create(CatalogModule.forRoot(config), { logger: false });
  await app.listen(config.httpPort, config.httpHost);
  baseUrl = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  cache = app.get(CacheClient);
  redis = new Redis(endpoints.redisUrl);
});

afterAll(async () => {
  await app.close();
  await catalog.drop();
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.unlink(...keys);
  redis.disconnect();
});

describe('catalog-api against the real Postgres and Redis', () => {
  it('reads a product, then serves the second read from the cache', async () => {
    const first = await call('GET', '/products/123');
    expect(first).toMatchObject({
      status: 200,
      json: { id: '123', name: 'Blue Widget', price: '100.00', category_id: '5', brand_id: '1' },
    });
    await cache.idle();
    expect(await redis.exists(`${prefix}product:123`)).toBe(1);
    const hits = cache.stats().hit;
    const second = await call('GET', '/products/123');
    expect(second).toEqual(first);
    expect(cache.stats().hit).toBe(hits + 1);
  });

  it('keeps ids beyond 2^53 exact', async () => {
    const { status, json } = await call('GET', '/products/9007199254740993');
    expect(status).toBe(200);
    expect(json.id).toBe('9007199254740993');
  });

  it('answers 404 for unknown ids and 400 for malformed ones, without caching misses', async () => {
    expect((await call('GET', '/products/424242')).status).toBe(404);
    expect((await call('GET', '/categories/999/products')).status).toBe(404);
    const bad = await call('GET', '/products/12ab');
    expect(bad.status).toBe(400);
    expect(bad.json.message).toMatch(/^id: /);
    await cache.idle();
    expect(await redis.exists(`${prefix}product:424242`)).toBe(0);
  });

  it("lists a category's products through the cache", async () => {
    const first = await call('GET', '/categories/5/products');
    expect(first.status).toBe(200);
    expect(first.json.category).toEqual({ id: '5', name: 'Widgets', parent_id: '1' });
    expect((first.json.products as { id: string }[]).map((p) => p.id)).toEqual([
      '123',
      '124',
      '125',
    ]);
    await cache.idle();
    const hits = cache.stats().hit;
    expect(await call('GET', '/categories/5/products')).toEqual(first);
    expect(cache.stats().hit).toBe(hits + 1);
  });

  it('updates a product in Postgres only, leaving the cache to the invalidator', async () => {
    await call('GET', '/products/124');
    await cache.idle();
    const updated = await call('PUT', '/products/124', { price: '70.50', name: 'Dark Red Widget' });
    expect(updated).toMatchObject({
      status: 200,
      json: { id: '124', price: '70.50', name: 'Dark Red Widget' },
    });
    const row = await catalog.query('SELECT price::text, name FROM products WHERE id = 124');
    expect(row.rows[0]).toEqual({ price: '70.50', name: 'Dark Red Widget' });
    // No cache code in the write path: the entry is still there until the invalidator deletes it.
    expect(await redis.exists(`${prefix}product:124`)).toBe(1);
    const moved = await call('PUT', '/products/124', { category_id: '7' });
    expect(moved.json.category_id).toBe('7');
  });

  it('rejects invalid product updates naming the field, and unknown products with 404', async () => {
    const cases: [unknown, RegExp][] = [
      [{ price: -1 }, /^price: /],
      [{ name: 42 }, /^name: /],
      [{ category_id: 'x' }, /^category_id: /],
      [{ category_id: 999 }, /^category_id: category 999 does not exist/],
      [{ sku: 'A1' }, /^sku: unknown field/],
      [{}, /^body: /],
    ];
    for (const [body, message] of cases) {
      const { status, json } = await call('PUT', '/products/125', body);
      expect(status, JSON.stringify(body)).toBe(400);
      expect(json.message).toMatch(message);
    }
    expect((await call('PUT', '/products/424242', { price: 1 })).status).toBe(404);
  });

  it('renames a category, with 404 and 400 for unknown ids and bad bodies', async () => {
    const renamed = await call('PUT', '/categories/7', { name: 'Gizmos' });
    expect(renamed).toMatchObject({
      status: 200,
      json: { id: '7', name: 'Gizmos', parent_id: '1' },
    });
    const row = await catalog.query('SELECT name FROM categories WHERE id = 7');
    expect(row.rows[0]).toEqual({ name: 'Gizmos' });
    expect((await call('PUT', '/categories/999', { name: 'X' })).status).toBe(404);
    const bad = await call('PUT', '/categories/7', { title: 'X' });
    expect(bad.status).toBe(400);
    expect(bad.json.message).toMatch(/^title: unknown field/);
  });

  it('exposes the cache counters for Prometheus', async () => {
    const response = await fetch(`${baseUrl}/metrics`);
    const text = await response.text();
    expect(text).toMatch(/cache_client_events_total\{event="hit",namespace=""\} [1-9]/);
  });
});
