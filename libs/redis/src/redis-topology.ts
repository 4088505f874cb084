import { Cluster, Redis } from 'ioredis';
import type { RedisClient } from './redis-client-factory.js';

/** True for a Redis Cluster client: commands are routed by slot, scripts touch one slot. */
export function isCluster(client: RedisClient): client is Cluster {
  return client instanceof Cluster;
}

/** True when `value` is an ioredis client (standalone or cluster) rather than a configuration. */
export function isRedisClient(value: unknown): value is RedisClient {
  return value instanceof Redis || value instanceof Cluster;
}

/** The servers a SCAN must visit (or a PING reach): every master of a cluster, or the one server. */
export function mastersOf(client: RedisClient): Redis[] {
  return isCluster(client) ? client.nodes('master') : [client];
}
