export {
  DebeziumTransport,
  DEBEZIUM_TRANSPORT,
  type DebeziumTransportStatus,
} from './debezium-transport.js';
export { DebeziumContext } from './debezium-context.js';
export { OnChange, CHANGE_HANDLER_NAME } from './on-change.decorator.js';
export { ChangeHandlerErrorFilter } from './change-handler-error.filter.js';
export { ChangeHandlerRegistry } from './change-handler-registry.js';
export { matchesEventPattern } from './event-pattern-matcher.js';
export {
  InvalidationModule,
  INVALIDATION_OPTIONS,
  CASCADE_LOOKUP,
  RULES_IN_FORCE,
  BATCH_OBSERVER,
} from './invalidation.module.js';
export type { InvalidationModuleOptions } from './invalidation-module-options.js';
export type { DecodedChange, InvalidationTargets } from '#invalidation';
