import { Counter, type Registry } from 'prom-client';
import { CACHE_EVENTS, type CacheCounters, type CacheEvent } from './cache-counters.js';

/** Options of {@link PromCacheCounters}. */
export interface PromCacheCountersOptions {
  /** Registry to register the counter in. @default prom-client's global registry */
  registry?: Registry;
  /** Metric name. @default 'cache_client_events_total' */
  name?: string;
  /** Value of the `namespace` label, to tell several clients apart. @default '' */
  namespace?: string;
}

/**
 * Exposes the client's events as one Prometheus counter labelled `event` (and `namespace`),
 * every event pre-initialised to 0 so rates work from the first scrape.
 */
export class PromCacheCounters implements CacheCounters {
  private readonly counter: Counter<'event' | 'namespace'>;
  private readonly namespace: string;

  constructor(options: PromCacheCountersOptions = {}) {
    this.namespace = options.namespace ?? '';
    this.counter = new Counter({
      name: options.name ?? 'cache_client_events_total',
      help: 'Cache client events: hit, miss, lease-wait, lease-timeout, fallback, error, fill, fill-rejected, fill-refused.',
      labelNames: ['event', 'namespace'],
      registers: options.registry === undefined ? undefined : [options.registry],
    });
    for (const event of CACHE_EVENTS) this.counter.inc({ event, namespace: this.namespace }, 0);
  }

  increment(event: CacheEvent): void {
    this.counter.inc({ event, namespace: this.namespace });
  }
}
