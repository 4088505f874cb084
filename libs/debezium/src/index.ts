export type {
  ChangeEvent,
  ColumnValue,
  DomainEvent,
  HeartbeatEvent,
  KafkaMessage,
  MessageOrigin,
  Row,
  RowChangeEvent,
  SourceInfo,
  TombstoneEvent,
  TruncateEvent,
} from './change-event-types.js';
export { DecodeError, type DecodeFailure } from './debezium.errors.js';
export { decodeMessage, HEARTBEAT_TOPIC_PREFIX, UNAVAILABLE_VALUE } from './debezium-decoder.js';
export { parseLosslessJson } from './lossless-json-parser.js';
export { decodeProjected, type ColumnProjection } from './projected-decoder.js';
