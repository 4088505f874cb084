import { Module, type DynamicModule } from '@nestjs/common';
import { InvalidationModule, type InvalidationModuleOptions } from '#nest-debezium';
import { LocaleSettings } from './locale-settings.js';
import { ProductPagesHandler } from './product-pages-handler.js';

/** What the example app is configured with: its own settings plus the invalidation module's. */
export interface ExampleConfig {
  readonly locales: readonly string[];
  readonly keyPrefix: string;
  readonly invalidation: InvalidationModuleOptions;
  readonly http: { readonly host: string; readonly port: number };
}

/** An existing Nest app that adds cache invalidation: one import, one handler class. */
@Module({})
export class ExampleModule {
  static forRoot(config: ExampleConfig): DynamicModule {
    return {
      module: ExampleModule,
      imports: [InvalidationModule.forRoot(config.invalidation)],
      controllers: [ProductPagesHandler],
      providers: [
        { provide: LocaleSettings, useValue: new LocaleSettings(config.locales, config.keyPrefix) },
      ],
    };
  }
}
