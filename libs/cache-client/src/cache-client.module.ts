import { Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import {
  isRedisClient,
  RedisClientFactory,
  type RedisClient,
  type RedisConnectionConfig,
} from '#redis';
import type { CacheClientOptions } from './cache-client-options.js';
import { CacheClient } from './cache-client.js';

/** Options of {@link CacheClientModule.forRoot}. */
export interface CacheClientModuleOptions extends CacheClientOptions {
  /**
   * Redis to use: a connection config (the module then owns and closes the client; its connection
   * name defaults to 'cache-client') or a client you own.
   */
  redis: RedisConnectionConfig | RedisClient;
  /** Make {@link CacheClient} injectable everywhere. @default false */
  isGlobal?: boolean;
}

/** Closes the client (waiting for background fills) when the application shuts down. */
class CacheClientCloser implements OnApplicationShutdown {
  constructor(private readonly client: CacheClient) {}

  async onApplicationShutdown(): Promise<void> {
    await this.client.close();
  }
}

/** Thin NestJS wrapper: provides a {@link CacheClient}. */
@Module({})
export class CacheClientModule {
  static forRoot(options: CacheClientModuleOptions): DynamicModule {
    const { redis, isGlobal, ...clientOptions } = options;
    return {
      module: CacheClientModule,
      global: isGlobal ?? false,
      providers: [
        {
          provide: CacheClient,
          useFactory: () => createClient(redis, clientOptions),
        },
        {
          provide: CacheClientCloser,
          useFactory: (client: CacheClient) => new CacheClientCloser(client),
          inject: [CacheClient],
        },
      ],
      exports: [CacheClient],
    };
  }
}

function createClient(
  redis: RedisConnectionConfig | RedisClient,
  options: CacheClientOptions,
): CacheClient {
  if (isRedisClient(redis)) return CacheClient.forRedis(redis, options);
  const factory = new RedisClientFactory({ connectionName: 'cache-client', ...redis });
  const client = factory.create();
  return CacheClient.forRedis(client, options, () => factory.close(client));
}
