export { RedisClientFactory, type RedisClient } from './redis-client-factory.js';
export {
  REDIS_CONNECTION_DEFAULTS,
  type RedisClusterConfig,
  type RedisCommonConfig,
  type RedisConnectionConfig,
  type RedisStandaloneConfig,
} from './redis-connection-config.js';
export { parseRedisNode, type RedisNode } from './redis-node.js';
export { redisOptionsFromUrl } from './redis-options-from-url.js';
export { isCluster, isRedisClient, mastersOf } from './redis-topology.js';
export { assertReady, waitUntilReady } from './wait-until-ready.js';
export { execPipeline, settleAll, sumReplies } from './exec-pipeline.js';
export {
  isAccessDenied,
  isNoScript,
  RedisCommandError,
  RedisError,
  RedisNotReadyError,
  RedisTimeoutError,
  RedisUnavailableError,
  RedisWrongTypeError,
  toRedisError,
} from './redis.errors.js';
