import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import {
  DebeziumContext,
  OnChange,
  type DecodedChange,
  type InvalidationTargets,
} from '#nest-debezium';
import { LocaleSettings } from './locale-settings.js';

/**
 * Product pages are cached once per locale, and the locale list is the app's configuration: a
 * rule file cannot know it, so this handler names the keys.
 */
@Controller()
export class ProductPagesHandler {
  constructor(private readonly settings: LocaleSettings) {}

  @OnChange(['product.updated', 'product.deleted'])
  productChanged(
    @Payload() change: DecodedChange,
    @Ctx() context: DebeziumContext,
  ): InvalidationTargets {
    const id = (change.after ?? change.before)?.['id'];
    if (typeof id !== 'bigint' && typeof id !== 'string') {
      throw new Error(
        `${change.event} at ${context.getTopic()}/${String(context.getPartition())}@${context.getOffset()} has no id`,
      );
    }
    return {
      keys: this.settings.locales.map((locale) => this.settings.productPageKey(String(id), locale)),
    };
  }
}
