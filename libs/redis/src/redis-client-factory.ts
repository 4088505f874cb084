import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import {
  REDIS_CONNECTION_DEFAULTS as defaults,
  type RedisConnectionConfig,
} from './redis-connection-config.js';
import { redisOptionsFromUrl } from './redis-options-from-url.js';
import { RedisCommandError } from './redis.errors.js';

/** A connected ioredis client, standalone or cluster. */
export type RedisClient = Redis | Cluster;

/**
 * Builds ioredis clients from configuration; the only place that knows ioredis options.
 *
 * The offline queue is disabled: while disconnected a command fails at once with a retriable
 * `REDIS_UNAVAILABLE` instead of waiting in memory, so the caller's backoff (which also holds the
 * Kafka offset) is the only retry policy. The client itself keeps reconnecting in the background.
 */
export class RedisClientFactory {
  constructor(private readonly config: RedisConnectionConfig) {}

  /** A new client for the configuration; it connects in the background and reconnects forever. */
  create(): RedisClient {
    const client = buildClient(this.config);
    client.on('error', this.config.onConnectionError ?? (() => undefined));
    return client;
  }

  /** Closes `client` gracefully (QUIT), or drops the connection when Redis is not reachable. */
  async close(client: RedisClient): Promise<void> {
    if (client.status === 'end') return;
    try {
      await client.quit();
    } catch {
      client.disconnect();
    }
  }
}

function buildClient(config: RedisConnectionConfig): RedisClient {
  const common: RedisOptions = {
    commandTimeout: config.commandTimeoutMs ?? defaults.commandTimeoutMs,
    connectTimeout: config.connectTimeoutMs ?? defaults.connectTimeoutMs,
    maxRetriesPerRequest: config.maxRetriesPerRequest ?? defaults.maxRetriesPerRequest,
    connectionName: config.connectionName ?? defaults.connectionName,
  };
  if (config.mode === 'standalone') {
    const fromUrl = redisOptionsFromUrl(config.url);
    const tls = fromUrl.tls === undefined ? undefined : { ...fromUrl.tls, ...config.tls };
    return new Redis({
      ...common,
      ...fromUrl,
      ...(tls === undefined ? {} : { tls }),
      enableOfflineQueue: false,
      // Keeps reconnecting with a capped delay, so the service recovers when Redis comes back.
      retryStrategy: (times: number) => Math.min(50 * 2 ** Math.min(times, 10), 2000),
    });
  }
  if (config.nodes.length === 0) {
    throw new RedisCommandError('Redis Cluster configuration needs at least one node');
  }
  const redisOptions: NonNullable<ClusterOptions['redisOptions']> = { ...common };
  if (config.username !== undefined) redisOptions.username = config.username;
  if (config.password !== undefined) redisOptions.password = config.password;
  if (config.useTls === true) redisOptions.tls = { ...config.tls };
  return new Cluster(
    config.nodes.map((node) => ({ host: node.host, port: node.port })),
    {
      redisOptions,
      enableOfflineQueue: false,
      clusterRetryStrategy: (times: number) => Math.min(100 * times, 2000),
      slotsRefreshTimeout: config.connectTimeoutMs ?? defaults.connectTimeoutMs,
    },
  );
}
