export type {
  ConsumedMessage,
  DeadLetter,
  DeadLetterSink,
  InvalidationApplier,
  PartitionBatch,
} from './partition-batch.types.js';
export {
  coalescePlans,
  isEmptyPlan,
  splitEventName,
  type IgnoreReason,
  type MessageOutcome,
} from './message-outcome.js';
export { MessagePreparer, type PrepareContext } from './message.preparer.js';
export {
  silentObserver,
  type BatchObserver,
  type ProgressKind,
  type RetryOperation,
} from './batch.observer.js';
export {
  PartitionBatchProcessor,
  type IntervalTimer,
  type PartitionBatchProcessorDeps,
  type PartitionBatchProcessorOptions,
} from './partition-batch.processor.js';
