import { UseFilters } from '@nestjs/common';
import { EventPattern } from '@nestjs/microservices';
import { ChangeHandlerErrorFilter } from './change-handler-error.filter.js';

/** Key of `@EventPattern` extras holding a handler's name (`Class.method`). */
export const CHANGE_HANDLER_NAME = 'invalidator.changeHandler';

/**
 * `@EventPattern(pattern)` for change handlers, plus what the transport needs for exact error
 * semantics: the handler's name (`Class.method`, written to dead letters) and
 * {@link ChangeHandlerErrorFilter}, so a retriable error is retried instead of dead-lettered.
 *
 * @example
 * ```ts
 * @OnChange('product.updated')
 * onProduct(@Payload() change: DecodedChange) { return { keys: [`product:${change.after?.id}`] }; }
 * ```
 */
export function OnChange(pattern: string | readonly string[]): MethodDecorator {
  return (target, propertyKey, descriptor) => {
    const name = `${target.constructor.name}.${String(propertyKey)}`;
    const patterns = typeof pattern === 'string' ? [pattern] : [...pattern];
    EventPattern(patterns, { [CHANGE_HANDLER_NAME]: name })(target, propertyKey, descriptor);
    UseFilters(ChangeHandlerErrorFilter)(target, propertyKey, descriptor);
  };
}
