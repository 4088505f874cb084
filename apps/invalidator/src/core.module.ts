import { Global, Module, type DynamicModule } from '@nestjs/common';
import type { Logger } from 'pino';
import type { InvalidatorConfig } from './config/invalidator-config.js';
import { ConsistencyMonitor } from './consistency/consistency-monitor.js';
import { HealthState } from './health/health-state.js';
import { CONFIG, LOGGER } from './invalidator-tokens.js';
import { InvalidatorMetrics } from './observability/invalidator-metrics.js';
import { MetricsObserver } from './observability/metrics-observer.js';
import { RulesRegistry } from './rules/rules-registry.js';

/**
 * What every role shares: configuration, logger, metrics, health state, the consistency checker
 * and the rules in force.
 */
@Global()
@Module({})
export class CoreModule {
  static forRoot(config: InvalidatorConfig, logger: Logger): DynamicModule {
    const metrics = new InvalidatorMetrics();
    const health = new HealthState(config.stallTimeoutMs);
    metrics.observeStalls(() => health.health());
    const consistency = new ConsistencyMonitor(config, metrics, logger);
    return {
      module: CoreModule,
      providers: [
        { provide: CONFIG, useValue: config },
        { provide: LOGGER, useValue: logger },
        { provide: InvalidatorMetrics, useValue: metrics },
        { provide: HealthState, useValue: health },
        { provide: ConsistencyMonitor, useValue: consistency },
        {
          provide: MetricsObserver,
          useValue: new MetricsObserver(metrics, logger, health, (outcome) => {
            consistency.observe(outcome);
          }),
        },
        {
          provide: RulesRegistry,
          useFactory: () =>
            RulesRegistry.load(config.rulesPath, logger, metrics, (previous) => {
              consistency.rulesReplaced(previous);
            }),
        },
      ],
      exports: [
        CONFIG,
        LOGGER,
        InvalidatorMetrics,
        HealthState,
        ConsistencyMonitor,
        MetricsObserver,
        RulesRegistry,
      ],
    };
  }
}
