import type { ChangeEvent, Row, SourceInfo } from '#debezium';
import { parseEventName, type RuleSet } from '#rules';

/**
 * One decoded change, named in the rules' terms, as code handlers receive it (`@Payload()`).
 * Row and truncate events carry their source position; domain (outbox) events do not.
 */
export interface DecodedChange {
  /** `<entity>.<op>`, for example `product.updated`: the pattern handlers are registered for. */
  readonly event: string;
  /** The entity the rule files declare for the table, else the unqualified table name. */
  readonly entity: string;
  /** `created`, `updated`, `deleted`, `read` (snapshot), `truncated`, or a domain event's verb. */
  readonly op: string;
  /** Schema-qualified table (`public.products`); null for domain events. */
  readonly table: string | null;
  readonly key: Row | null;
  readonly before: Row | null;
  readonly after: Row | null;
  /** Debezium's `source` block: LSN, transaction id, snapshot flag; null for domain events. */
  readonly source: SourceInfo | null;
  /** When the change was committed in the database (`source.ts_ms`), if known. */
  readonly committedAtMs: number | null;
}

/** The change events that name something: tombstones and heartbeats do not. */
export type NameableEvent = Exclude<ChangeEvent, { kind: 'tombstone' } | { kind: 'heartbeat' }>;

const ROW_OPS = { c: 'created', u: 'updated', d: 'deleted', r: 'read' } as const;

/**
 * Names `event` as `<entity>.<op>`: the entity the rules declare for its table, else the table
 * name without its schema (`public.products` -> `products.updated`).
 */
export function nameChange(ruleSet: RuleSet, event: NameableEvent): DecodedChange {
  switch (event.kind) {
    case 'domain': {
      const { entity, op } = parseEventName(event.type);
      return {
        event: event.type,
        entity,
        op,
        table: null,
        key: event.key,
        before: null,
        after: event.payload,
        source: null,
        committedAtMs: null,
      };
    }
    case 'truncate':
    case 'row': {
      const entity = ruleSet.entityByTable.get(event.table) ?? event.source.table;
      const op = event.kind === 'row' ? ROW_OPS[event.op] : 'truncated';
      return {
        event: `${entity}.${op}`,
        entity,
        op,
        table: event.table,
        key: event.kind === 'row' ? event.key : null,
        before: event.kind === 'row' ? event.before : null,
        after: event.kind === 'row' ? event.after : null,
        source: event.source,
        committedAtMs: event.source.tsMs,
      };
    }
  }
}
