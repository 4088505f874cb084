export {
  PLAN_TARGETS,
  type ApplyOptions,
  type InvalidationCounts,
  type InvalidationPlan,
} from './invalidation-plan.js';
export type {
  ConsumedMessage,
  DeadLetter,
  DeadLetterSink,
  InvalidationApplier,
  PartitionBatch,
} from './partition-batch-types.js';
export {
  coalescePlans,
  emptyPlan,
  isEmptyPlan,
  mergeTargets,
  splitEventName,
  type IgnoreReason,
  type MessageOutcome,
} from './message-outcome.js';
export { MessagePreparer, type PrepareContext } from './message-preparer.js';
export { nameChange, type DecodedChange, type NameableEvent } from './decoded-change.js';
export { CodeHandlerError } from './invalidation.errors.js';
export {
  noCodeHandlers,
  type CodeHandler,
  type CodeHandlerRegistry,
  type InvalidationTargets,
} from './code-handler.js';
export {
  silentObserver,
  type BatchObserver,
  type ProgressKind,
  type RetryOperation,
} from './batch-observer.js';
export {
  PartitionBatchProcessor,
  type IntervalTimer,
  type PartitionBatchProcessorDeps,
  PROCESSOR_DEFAULTS,
  type PartitionBatchProcessorOptions,
} from './partition-batch-processor.js';
