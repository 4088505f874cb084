import { Module, type DynamicModule } from '@nestjs/common';
import type { Logger } from 'pino';
import type { InvalidatorConfig } from './config/invalidator-config.js';
import { CoreModule } from './core.module.js';
import { AdminController } from './http/admin.controller.js';
import { ConsistencyController } from './http/consistency.controller.js';
import { HealthController } from './http/health.controller.js';
import { MetricsController } from './http/metrics.controller.js';
import { invalidationModule } from './invalidation-wiring.js';

/**
 * The invalidator process: the invalidation module (its Debezium transport is connected in
 * `main.ts`) plus the HTTP surface for health, metrics and admin.
 */
@Module({})
export class InvalidatorModule {
  static forRoot(config: InvalidatorConfig, logger: Logger): DynamicModule {
    return {
      module: InvalidatorModule,
      imports: [CoreModule.forRoot(config, logger), invalidationModule],
      controllers: [HealthController, MetricsController, AdminController, ConsistencyController],
    };
  }
}
