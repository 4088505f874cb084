export { CacheClient } from './cache-client.js';
export { type CacheClientOptions, type CacheGetOptions } from './cache-client-options.js';
export { CacheClientOptionsError } from './cache-client.errors.js';
export {
  CACHE_EVENTS,
  MemoryCacheCounters,
  type CacheCounters,
  type CacheEvent,
} from './cache-counters.js';
export { PromCacheCounters, type PromCacheCountersOptions } from './prom-cache-counters.js';
export { JsonSerializer, type Serializer } from './json-serializer.js';
export type {
  CacheStore,
  FillRequest,
  FillResult,
  LeaseRequest,
  LookupResult,
} from './cache-store.js';
export { RedisCacheStore } from './redis-cache-store.js';
export { MemoryCacheStore } from './memory-cache-store.js';
export { CacheClientModule, type CacheClientModuleOptions } from './cache-client.module.js';
