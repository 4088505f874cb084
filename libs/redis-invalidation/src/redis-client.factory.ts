import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import type { ConnectionOptions } from 'node:tls';
import { RedisCommandError } from './redis-invalidation.errors.js';

/** A connected ioredis client, standalone or cluster; only this lib should call it directly. */
export type RedisClient = Redis | Cluster;

/** Options shared by both topologies. */
export interface RedisCommonConfig {
  /** Fail a command that has no reply after this long (a retriable `REDIS_TIMEOUT`). @default 5000 */
  commandTimeoutMs?: number;
  /** Give up one connection attempt after this long. @default 5000 */
  connectTimeoutMs?: number;
  /**
   * Reconnections a command already sent survives before failing with `REDIS_UNAVAILABLE`. Low, so
   * an outage surfaces fast and the caller's backoff (not ioredis') decides when to retry.
   * @default 1
   */
  maxRetriesPerRequest?: number;
  /**
   * Extra TLS options (CA, client certificate, servername), used when TLS is on: a `rediss://` URL
   * or `useTls` for a cluster. @default undefined (system CAs, full verification)
   */
  tls?: ConnectionOptions;
  /** `CLIENT SETNAME`, to find the service in `CLIENT LIST`. @default 'invalidator' */
  connectionName?: string;
  /**
   * Called with background connection errors (each reconnect attempt); commands report their own
   * failures anyway. @default ignore them (ioredis would print each to stderr)
   */
  onConnectionError?: (error: Error) => void;
}

/** A single Redis server. */
export interface RedisStandaloneConfig extends RedisCommonConfig {
  mode: 'standalone';
  /** `redis://[user:password@]host[:port][/db]`, or `rediss://` for TLS. Port @default 6379 */
  url: string;
}

/** A Redis Cluster, found from any of its nodes. */
export interface RedisClusterConfig extends RedisCommonConfig {
  mode: 'cluster';
  /** Seed nodes; the client discovers the others with `CLUSTER SLOTS`. */
  nodes: readonly { host: string; port: number }[];
  /** ACL user for every node. @default undefined (the `default` user) */
  username?: string;
  /** Password for every node. @default undefined (no AUTH) */
  password?: string;
  /** Connect to every node with TLS. @default false */
  useTls?: boolean;
}

export type RedisConnectionConfig = RedisStandaloneConfig | RedisClusterConfig;

const defaults = {
  commandTimeoutMs: 5000,
  connectTimeoutMs: 5000,
  maxRetriesPerRequest: 1,
  connectionName: 'invalidator',
};

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

/** Parses a `redis://` or `rediss://` URL into ioredis options; throws on anything else. */
export function redisOptionsFromUrl(url: string): RedisOptions {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (error) {
    throw new RedisCommandError(`Redis URL ${JSON.stringify(url)} is not a URL`, error);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new RedisCommandError(
      `Redis URL must start with redis:// or rediss://, got ${parsed.protocol}//`,
    );
  }
  const db = parsed.pathname.replace(/^\//, '');
  if (db !== '' && !/^\d+$/.test(db)) {
    throw new RedisCommandError(`Redis URL database must be a number, got ${JSON.stringify(db)}`);
  }
  const options: RedisOptions = {
    host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: parsed.port === '' ? 6379 : Number(parsed.port),
    db: db === '' ? 0 : Number(db),
  };
  if (parsed.username !== '') options.username = decodeURIComponent(parsed.username);
  if (parsed.password !== '') options.password = decodeURIComponent(parsed.password);
  if (parsed.protocol === 'rediss:') options.tls = {};
  return options;
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
