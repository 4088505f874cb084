export { RedisInvalidator, type RedisInvalidatorOptions } from './redis-invalidator.js';
export {
  RedisClientFactory,
  redisOptionsFromUrl,
  type RedisClient,
  type RedisClusterConfig,
  type RedisCommonConfig,
  type RedisConnectionConfig,
  type RedisStandaloneConfig,
} from './redis-client.factory.js';
export { MARKER_DEFAULTS, MarkerWriter, type MarkerWriterOptions } from './marker-writer.js';
export { KeyDeleter, type KeyDeleterOptions, type UnlinkResult } from './key-deleter.js';
export { NamespaceInvalidator, type NamespaceResult } from './namespace-invalidator.js';
export { TagInvalidator, type TagInvalidatorOptions, type TagResult } from './tag-invalidator.js';
export {
  PatternSweeper,
  type PatternResult,
  type PatternSweeperOptions,
} from './pattern-sweeper.js';
export { ScanRateLimiter, type Clock } from './scan-rate.limiter.js';
export {
  KeySampler,
  type KeySamplerOptions,
  type SampledKey,
  type SampleRequest,
} from './key.sampler.js';
export {
  RedisCommandError,
  RedisInvalidationError,
  RedisNotReadyError,
  RedisSweepAbortedError,
  RedisTimeoutError,
  RedisUnavailableError,
  RedisWrongTypeError,
  toRedisInvalidationError,
} from './redis-invalidation.errors.js';
