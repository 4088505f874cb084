import { Global, Module, type DynamicModule } from '@nestjs/common';
import type { Logger } from 'pino';
import type { InvalidatorConfig } from './config/invalidator.config.js';
import { CONFIG, LOGGER } from './invalidator.tokens.js';
import { InvalidatorMetrics } from './observability/invalidator.metrics.js';
import { RulesRegistry } from './rules/rules.registry.js';

/** What every role shares: configuration, logger, metrics and the rules in force. */
@Global()
@Module({})
export class CoreModule {
  static forRoot(config: InvalidatorConfig, logger: Logger): DynamicModule {
    return {
      module: CoreModule,
      providers: [
        { provide: CONFIG, useValue: config },
        { provide: LOGGER, useValue: logger },
        { provide: InvalidatorMetrics, useValue: new InvalidatorMetrics() },
        {
          provide: RulesRegistry,
          inject: [InvalidatorMetrics],
          useFactory: (metrics: InvalidatorMetrics) =>
            RulesRegistry.load(config.rulesPath, logger, metrics),
        },
      ],
      exports: [CONFIG, LOGGER, InvalidatorMetrics, RulesRegistry],
    };
  }
}
