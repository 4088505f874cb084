import { Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import pg from 'pg';
import { Registry } from 'prom-client';
import { CacheClientModule, PromCacheCounters } from '#cache-client';
import type { RedisClient } from '#redis';
import type { CatalogConfig } from './catalog-config.js';
import { CatalogReader } from './catalog-reader.js';
import { CatalogRepository } from './catalog-repository.js';
import { METRICS_REGISTRY, PG_POOL } from './catalog-tokens.js';
import { CategoriesController } from './categories.controller.js';
import { MetricsController } from './metrics.controller.js';
import { PgCatalogRepository } from './pg-catalog-repository.js';
import { ProductsController } from './products.controller.js';

/** Resources a test or embedding app may hand in instead of having them built from the config. */
export interface CatalogOverrides {
  /** Used as is and not closed. @default a pool on `databaseUrl`, closed at shutdown */
  pool?: pg.Pool;
  /** Used as is and not closed. @default a client on `redisUrl`, closed at shutdown */
  redis?: RedisClient;
}

/** Ends the pool the module built. */
class PoolCloser implements OnApplicationShutdown {
  constructor(
    private readonly pool: pg.Pool,
    private readonly owned: boolean,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    if (this.owned) await this.pool.end();
  }
}

/** The demo catalog API: one module, reads through the cache client, writes to Postgres only. */
@Module({})
export class CatalogModule {
  static forRoot(config: CatalogConfig, overrides: CatalogOverrides = {}): DynamicModule {
    const registry = new Registry();
    const pool =
      overrides.pool ??
      new pg.Pool({ connectionString: config.databaseUrl, max: config.databasePoolSize });
    return {
      module: CatalogModule,
      imports: [
        CacheClientModule.forRoot({
          redis: overrides.redis ?? {
            mode: 'standalone',
            url: config.redisUrl,
            connectionName: 'catalog-api',
          },
          prefix: config.cachePrefix,
          ttlSeconds: config.cacheTtlSeconds,
          leaseMs: config.cacheLeaseMs,
          leaseWaitMs: config.cacheLeaseWaitMs,
          redisTimeoutMs: config.redisTimeoutMs,
          counters: new PromCacheCounters({ registry }),
        }),
      ],
      controllers: [ProductsController, CategoriesController, MetricsController],
      providers: [
        { provide: PG_POOL, useValue: pool },
        { provide: METRICS_REGISTRY, useValue: registry },
        { provide: CatalogRepository, useClass: PgCatalogRepository },
        {
          provide: PoolCloser,
          useFactory: (p: pg.Pool) => new PoolCloser(p, overrides.pool === undefined),
          inject: [PG_POOL],
        },
        CatalogReader,
      ],
    };
  }
}
