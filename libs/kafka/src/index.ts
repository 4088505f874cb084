export { createKafka, type KafkaConnectionConfig } from './kafka-client-config.js';
export {
  KafkaBatchConsumer,
  type ConsumerListener,
  type ConsumerState,
  type TopicPartition,
  type KafkaBatchConsumerConfig,
} from './kafka-batch-consumer.js';
export { DEAD_LETTER_HEADERS, KafkaDeadLetterProducer } from './kafka-dead-letter-producer.js';
export { KafkaUnavailableError } from './kafka.errors.js';
