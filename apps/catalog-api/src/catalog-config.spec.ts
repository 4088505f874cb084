import { describe, expect, it } from 'vitest';
import { readCatalogConfig } from './catalog-config.js';

const required = {
  CATALOG_DATABASE_URL: 'postgres://u:p@127.0.0.1:55432/catalog',
  CATALOG_REDIS_URL: 'redis://127.0.0.1:56379',
};

describe('readCatalogConfig', () => {
  it('applies the defaults', () => {
    expect(readCatalogConfig(required)).toMatchObject({
      httpHost: '127.0.0.1',
      httpPort: 53001,
      cacheTtlSeconds: 300,
      cachePrefix: '',
      redisTimeoutMs: 50,
    });
  });

  it('names every bad or missing variable at once', () => {
    const attempt = () =>
      readCatalogConfig({
        CATALOG_REDIS_URL: 'http://x',
        CATALOG_HTTP_PORT: '70000',
        CATALOG_CACHE_TTL_SECONDS: 'soon',
      });
    expect(attempt).toThrow(/CATALOG_DATABASE_URL is not set/);
    expect(attempt).toThrow(/CATALOG_REDIS_URL: expected a redis: or rediss:\/\/ URL/);
    expect(attempt).toThrow(/CATALOG_HTTP_PORT=70000/);
    expect(attempt).toThrow(/CATALOG_CACHE_TTL_SECONDS=soon/);
  });
});
