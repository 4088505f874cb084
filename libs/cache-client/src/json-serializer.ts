/** Turns values into the strings stored in Redis and back; must round-trip every cached value. */
export interface Serializer {
  serialize(value: unknown): string;
  deserialize(payload: string): unknown;
}

const BIGINT_MARK = '$bigint';

/**
 * JSON with bigint support: a bigint is written as `{"$bigint":"<digits>"}` and read back as a
 * bigint, so ids beyond 2^53 stay exact. An object whose only key is `$bigint` holding a string is
 * therefore reserved. `undefined` (top level) cannot be stored.
 */
export class JsonSerializer implements Serializer {
  serialize(value: unknown): string {
    const payload = JSON.stringify(value, (_key, item: unknown) =>
      typeof item === 'bigint' ? { [BIGINT_MARK]: item.toString() } : item,
    ) as string | undefined;
    if (payload === undefined) throw new TypeError('cannot serialize undefined');
    return payload;
  }

  deserialize(payload: string): unknown {
    return JSON.parse(payload, (_key, item: unknown) => {
      if (typeof item !== 'object' || item === null) return item;
      const keys = Object.keys(item);
      const mark = (item as Record<string, unknown>)[BIGINT_MARK];
      return keys.length === 1 && typeof mark === 'string' ? BigInt(mark) : item;
    });
  }
}
