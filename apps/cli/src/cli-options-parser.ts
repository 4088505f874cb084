import { UsageError } from './cli.errors.js';

/** Option values as `node:util` parseArgs returns them. */
export type Values = Record<string, string | boolean | string[] | undefined>;

/** Messages may quote multi-line input; the CLI promises one line. */
export function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ');
}

/** Reads a required string option or throws a usage error naming it. */
export function required(values: Values, name: string): string {
  const value = values[name];
  if (typeof value !== 'string' || value === '') throw new UsageError(`--${name} is required`);
  return value;
}

/** Reads an optional string option. */
export function optional(values: Values, name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
}

/** Reads a repeatable string option (`--schema a --schema b`); empty when absent. */
export function repeated(values: Values, name: string): string[] {
  const value = values[name];
  if (Array.isArray(value)) return value;
  return typeof value === 'string' ? [value] : [];
}

/** Reads an optional positive integer option, or throws a usage error naming it. */
export function positiveInteger(values: Values, name: string, fallback: number): number {
  const text = optional(values, name);
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text) || Number(text) < 1 || !Number.isSafeInteger(Number(text))) {
    throw new UsageError(`--${name} must be a positive integer, not "${text}"`);
  }
  return Number(text);
}
