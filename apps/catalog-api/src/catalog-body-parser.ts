import { BadRequestException } from '@nestjs/common';
import type { ProductChanges } from './catalog-types.js';

const MAX_BIGINT = 9223372036854775807n;

/** `raw` as a positive bigint id in canonical decimal form; 400 naming `field` otherwise. */
export function parseId(raw: unknown, field: string): string {
  const text = typeof raw === 'number' && Number.isSafeInteger(raw) ? String(raw) : raw;
  if (typeof text !== 'string' || !/^[1-9]\d{0,18}$/.test(text) || BigInt(text) > MAX_BIGINT) {
    throw new BadRequestException(`${field}: expected a positive integer id (string or number)`);
  }
  return text;
}

function parseName(raw: unknown, field: string): string {
  if (typeof raw !== 'string' || raw.trim() === '' || raw.length > 200) {
    throw new BadRequestException(
      `${field}: expected a non-empty string of at most 200 characters`,
    );
  }
  return raw.trim();
}

// numeric(12, 2): a decimal string keeps the price exact; numbers are accepted as a convenience.
function parsePrice(raw: unknown): string {
  const text = typeof raw === 'number' && Number.isFinite(raw) ? String(raw) : raw;
  if (typeof text !== 'string' || !/^\d{1,10}(\.\d{1,2})?$/.test(text)) {
    throw new BadRequestException(
      'price: expected a non-negative amount with at most 10 digits and 2 decimals',
    );
  }
  return text;
}

function asObject(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new BadRequestException('body: expected a JSON object');
  }
  return body as Record<string, unknown>;
}

function rejectUnknown(body: Record<string, unknown>, allowed: readonly string[]): void {
  const unknown = Object.keys(body).find((key) => !allowed.includes(key));
  if (unknown !== undefined) {
    throw new BadRequestException(`${unknown}: unknown field; expected ${allowed.join(', ')}`);
  }
}

/** The body of `PUT /products/:id`: any of name, price, category_id, at least one. */
export function parseProductChanges(body: unknown): ProductChanges {
  const object = asObject(body);
  rejectUnknown(object, ['name', 'price', 'category_id']);
  const changes: ProductChanges = {};
  if (object.name !== undefined) changes.name = parseName(object.name, 'name');
  if (object.price !== undefined) changes.price = parsePrice(object.price);
  if (object.category_id !== undefined) {
    changes.category_id = parseId(object.category_id, 'category_id');
  }
  if (Object.keys(changes).length === 0) {
    throw new BadRequestException('body: expected at least one of name, price, category_id');
  }
  return changes;
}

/** The body of `PUT /categories/:id`: `{ name }`. */
export function parseCategoryChanges(body: unknown): { name: string } {
  const object = asObject(body);
  rejectUnknown(object, ['name']);
  return { name: parseName(object.name, 'name') };
}
