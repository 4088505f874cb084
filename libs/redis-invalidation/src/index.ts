export { RedisInvalidator, type RedisInvalidatorOptions } from './redis-invalidator.js';
export { MARKER_DEFAULTS, MarkerWriter, type MarkerWriterOptions } from './marker-writer.js';
export { KeyDeleter, type KeyDeleterOptions, type UnlinkResult } from './key-deleter.js';
export { NamespaceInvalidator, type NamespaceResult } from './namespace-invalidator.js';
export {
  TAG_INVALIDATOR_DEFAULTS,
  TagInvalidator,
  type TagInvalidatorOptions,
  type TagResult,
} from './tag-invalidator.js';
export {
  PatternSweeper,
  type PatternResult,
  type PatternSweeperOptions,
} from './pattern-sweeper.js';
export { ScanRateLimiter, type Clock } from './scan-rate-limiter.js';
export {
  KeySampler,
  type KeySamplerOptions,
  type SampledKey,
  type SampleRequest,
} from './key-sampler.js';
export { RedisSweepAbortedError } from './redis-invalidation.errors.js';
