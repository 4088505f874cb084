/** An event name `<entity>.<op>` in parts. */
export interface EventNameParts {
  readonly entity: string;
  /** Empty when the name has no dot. */
  readonly op: string;
}

/**
 * Splits `product.updated` into entity and operation, at the first dot: entity names cannot
 * contain dots (the rules schema forbids them), domain event verbs may (`order.line.added`).
 */
export function parseEventName(name: string): EventNameParts {
  const dot = name.indexOf('.');
  return dot < 0
    ? { entity: name, op: '' }
    : { entity: name.slice(0, dot), op: name.slice(dot + 1) };
}
