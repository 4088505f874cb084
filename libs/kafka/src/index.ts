export {
  createKafka,
  KAFKA_CONNECTION_DEFAULTS,
  type KafkaConnectionConfig,
} from './kafka-client-config.js';
export {
  KAFKA_CONSUMER_DEFAULTS,
  KafkaBatchConsumer,
  type ConsumerListener,
  type ConsumerState,
  type TopicPartition,
  type KafkaBatchConsumerConfig,
} from './kafka-batch-consumer.js';
export { DEAD_LETTER_HEADERS, KafkaDeadLetterProducer } from './kafka-dead-letter-producer.js';
export { KafkaUnavailableError } from './kafka.errors.js';
