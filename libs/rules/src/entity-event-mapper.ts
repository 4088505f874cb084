import type { ChangeEvent, Row } from '#debezium';
import type { RuleSet } from './rule-set-types.js';
import type { ImageName } from './template-compiler.js';
import { parseEventName } from './event-name.js';

/** A change event named in the rules' terms: `product.updated` with its row images. */
export interface EntityEvent {
  /** `<entity>.<verb>`, for example `product.updated`. */
  readonly name: string;
  readonly entity: string;
  readonly verb: string;
  readonly before: Row | null;
  readonly after: Row | null;
  /** The images a plain `{col}` renders from. */
  readonly images: readonly ImageName[];
  /**
   * Whether `after` is a whole table row (Debezium created/updated/read), so a column it lacks is
   * not in the table. False for domain events and cascaded rows, which hold what they chose.
   * @default false
   */
  readonly fullAfterImage?: boolean;
}

const VERBS = { c: 'created', u: 'updated', d: 'deleted', r: 'read' } as const;
const IMAGES: Record<string, readonly ImageName[]> = {
  created: ['after'],
  updated: ['before', 'after'],
  deleted: ['before'],
  read: ['after'],
};

/** `<entity>.<verb>` of row changes, built once per entity and verb (its hash cached too). */
const rowEventNames = new Map<string, Map<string, string>>();

function rowEventName(entity: string, verb: string): string {
  let byVerb = rowEventNames.get(entity);
  if (byVerb === undefined) {
    byVerb = new Map();
    rowEventNames.set(entity, byVerb);
  }
  let name = byVerb.get(verb);
  if (name === undefined) {
    name = `${entity}.${verb}`;
    byVerb.set(verb, name);
  }
  return name;
}

/** Names a decoded event; null for tombstones, heartbeats and tables no entity maps. */
export function toEntityEvent(ruleSet: RuleSet, event: ChangeEvent): EntityEvent | null {
  switch (event.kind) {
    case 'tombstone':
    case 'heartbeat':
      return null;
    case 'domain': {
      const { entity, op: verb } = parseEventName(event.type);
      return {
        name: event.type,
        entity,
        verb,
        before: null,
        after: event.payload,
        images: ['after'],
      };
    }
    case 'truncate': {
      const entity = ruleSet.entityByTable.get(event.table);
      if (entity === undefined) return null;
      return {
        name: `${entity}.truncated`,
        entity,
        verb: 'truncated',
        before: null,
        after: null,
        images: [],
      };
    }
    case 'row': {
      const entity = ruleSet.entityByTable.get(event.table);
      if (entity === undefined) return null;
      const verb = VERBS[event.op];
      const images = IMAGES[verb] ?? [];
      return {
        name: rowEventName(entity, verb),
        entity,
        verb,
        before: event.before,
        after: event.after,
        images,
        fullAfterImage: event.after !== null,
      };
    }
  }
}

/** A row a cascade lookup returned, seen as an update of `entity` with before = after = row. */
export function cascadedRowEvent(entity: string, row: Row): EntityEvent {
  return {
    name: `${entity}.updated`,
    entity,
    verb: 'updated',
    before: row,
    after: row,
    images: ['after'],
  };
}
