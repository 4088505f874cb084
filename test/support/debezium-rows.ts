import type { CollectedMessage } from './kafka-collector.js';

/** The parsed Debezium row of a collected message, or null for tombstones and truncates. */
export function rowOf(
  message: CollectedMessage,
): { op: string; id: string; snapshot: string | null } | null {
  if (message.value === null) return null;
  let event: {
    op?: string;
    before?: { id?: string } | null;
    after?: { id?: string } | null;
    source?: { snapshot?: unknown };
  };
  try {
    // Ids are compared as strings: the demo has a 64-bit id beyond Number's exact range.
    event = JSON.parse(message.value.replace(/"id":(\d+)/g, '"id":"$1"')) as typeof event;
  } catch {
    return null; // not a Debezium event (a test's poison message)
  }
  const id = event.after?.id ?? event.before?.id;
  if (id === undefined || event.op === undefined) return null;
  const snapshot = event.source?.snapshot;
  return {
    op: event.op,
    id,
    snapshot: typeof snapshot === 'string' && snapshot !== 'false' ? snapshot : null,
  };
}
