import { parseEventName } from '#rules';

/**
 * Whether a handler pattern matches an event name. A pattern is an event name
 * (`product.updated`) or has `*` for either part: `product.*` (every operation on products),
 * `*.deleted` (every entity's deletes), `*` alone (every event). As in the rule files, a `*`
 * operation does not match snapshot reads (`read`): name `product.read` to get them.
 */
export function matchesEventPattern(pattern: string, event: string): boolean {
  if (pattern === event) return true;
  const got = parseEventName(event);
  if (got.op === 'read') return false;
  if (pattern === '*') return true;
  const want = parseEventName(pattern);
  return (
    (want.entity === '*' || want.entity === got.entity) && (want.op === '*' || want.op === got.op)
  );
}
