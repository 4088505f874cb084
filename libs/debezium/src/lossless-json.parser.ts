import { isInteger, parse } from 'lossless-json';
import type { ColumnValue } from './change-event.types.js';

/** Integer literals become `bigint` (exact at any size); other numbers become `number`. */
function parseNumber(literal: string): bigint | number {
  return isInteger(literal) ? BigInt(literal) : Number(literal);
}

/**
 * Parses JSON text without losing integer precision.
 *
 * @throws SyntaxError when the text is not JSON (including duplicate keys with different values).
 */
export function parseLosslessJson(text: string): ColumnValue {
  return parse(text, null, parseNumber) as ColumnValue;
}
