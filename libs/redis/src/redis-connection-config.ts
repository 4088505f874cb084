import type { ConnectionOptions } from 'node:tls';
import type { RedisNode } from './redis-node.js';

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
  nodes: readonly RedisNode[];
  /** ACL user for every node. @default undefined (the `default` user) */
  username?: string;
  /** Password for every node. @default undefined (no AUTH) */
  password?: string;
  /** Connect to every node with TLS. @default false */
  useTls?: boolean;
}

/** Where and how to connect: one server, or a cluster. */
export type RedisConnectionConfig = RedisStandaloneConfig | RedisClusterConfig;

/** The defaults of {@link RedisCommonConfig}, written once. */
export const REDIS_CONNECTION_DEFAULTS = Object.freeze({
  commandTimeoutMs: 5000,
  connectTimeoutMs: 5000,
  maxRetriesPerRequest: 1,
  connectionName: 'invalidator',
});
