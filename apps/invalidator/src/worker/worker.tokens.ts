export const CONSUMER = Symbol('KafkaBatchConsumer');
export const BATCH_PROCESSOR = Symbol('PartitionBatchProcessor');
export const DEAD_LETTERS = Symbol('KafkaDeadLetterProducer');
export const REDIS = Symbol('RedisInvalidator');
export const OBSERVER = Symbol('MetricsObserver');
