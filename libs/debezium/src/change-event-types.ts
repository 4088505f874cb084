/**
 * A column value exactly as Debezium's JSON converter wrote it, parsed losslessly.
 *
 * Integer literals (no fraction, no exponent) are always `bigint`, whatever their size, so 64-bit
 * ids beyond 2^53 survive. Other numeric literals (`1.5`, `1e3`) are `number`. With
 * `decimal.handling.mode=string`, `numeric` columns arrive as strings and stay strings.
 */
export type ColumnValue =
  | null
  | boolean
  | string
  | bigint
  | number
  | readonly ColumnValue[]
  | { readonly [name: string]: ColumnValue };

/** One row image (`before` or `after`) or a message key, by column name. */
export type Row = Readonly<Record<string, ColumnValue>>;

/** Debezium's `source` block for the PostgreSQL connector, with the fields the rules need typed. */
export interface SourceInfo {
  readonly version: string | null;
  readonly connector: string | null;
  /** The connector's `topic.prefix`. */
  readonly name: string | null;
  /** When the change was committed in the database, in epoch milliseconds. */
  readonly tsMs: number | null;
  /** `"true"`, `"first"`, `"last"`, `"incremental"`, `"false"` or null. */
  readonly snapshot: string | null;
  readonly db: string | null;
  readonly schema: string;
  readonly table: string;
  readonly txId: bigint | null;
  readonly lsn: bigint | null;
  /** The whole block as written, for fields not typed above. */
  readonly raw: Row;
}

/** Where a message came from; partition and offset only when the caller knows them. */
export interface MessageOrigin {
  readonly topic: string;
  readonly partition?: number;
  readonly offset?: string;
}

/** An insert (`c`), update (`u`), delete (`d`) or snapshot read (`r`) of one row. */
export interface RowChangeEvent {
  readonly kind: 'row';
  readonly op: 'c' | 'u' | 'd' | 'r';
  readonly topic: string;
  /** Schema-qualified table, for example `public.products`. */
  readonly table: string;
  readonly key: Row | null;
  readonly before: Row | null;
  /**
   * For an update, a TOASTed column the update left unchanged holds the before-image's value when
   * the before-image has it (REPLICA IDENTITY FULL), `__debezium_unavailable_value` otherwise.
   */
  readonly after: Row | null;
  readonly source: SourceInfo;
  /** When Debezium processed the change, in epoch milliseconds. */
  readonly tsMs: number | null;
  /**
   * True when only some columns were decoded (`decodeProjected`): `before` and `after` hold the
   * projected columns that the images have, and `source.raw` only the fields `SourceInfo` types;
   * every other field is exact.
   */
  readonly partial?: boolean;
}

/** `TRUNCATE` of a table (op `t`); it carries no key and no rows. */
export interface TruncateEvent {
  readonly kind: 'truncate';
  readonly op: 't';
  readonly topic: string;
  readonly table: string;
  readonly source: SourceInfo;
  readonly tsMs: number | null;
}

/** The null-valued message Debezium writes after a delete so that log compaction can drop the key. */
export interface TombstoneEvent {
  readonly kind: 'tombstone';
  readonly topic: string;
  readonly key: Row | null;
}

/** A heartbeat: topic `__debezium-heartbeat.<prefix>`, or a value holding only `ts_ms`. */
export interface HeartbeatEvent {
  readonly kind: 'heartbeat';
  readonly topic: string;
  readonly tsMs: number | null;
}

/** An application event such as the outbox router emits: `{"type":"product.updated","payload":{...}}`. */
export interface DomainEvent {
  readonly kind: 'domain';
  readonly topic: string;
  /** The event name, for example `product.updated`. */
  readonly type: string;
  readonly payload: Row;
  readonly key: Row | null;
}

/** Everything one Kafka message from Debezium can mean. */
export type ChangeEvent =
  RowChangeEvent | TruncateEvent | TombstoneEvent | HeartbeatEvent | DomainEvent;

/** One Kafka message as the consumer received it. Strings are taken as already-decoded UTF-8. */
export interface KafkaMessage extends MessageOrigin {
  readonly key: Uint8Array | string | null;
  readonly value: Uint8Array | string | null;
}
