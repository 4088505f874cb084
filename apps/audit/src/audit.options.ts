import { parseArgs } from 'node:util';

/** Which cache-aside the readers use. */
export type AuditMode = 'lease' | 'naive';

/** Everything the command line decides. */
export interface AuditOptions {
  readonly modes: readonly AuditMode[];
  readonly seconds: number;
  readonly readers: number;
  readonly writers: number;
  readonly products: number;
  readonly categories: number;
  readonly minReads: number;
  readonly minWrites: number;
  /** Total write rate of all writers (0: as fast as Postgres goes). */
  readonly writesPerSecond: number;
  /** Upper bound of a random pause after a slow load's SELECT (GC, slow render, remote call). */
  readonly slowLoadMs: number;
  /** Share of loads that are slow, in percent. */
  readonly slowLoadPercent: number;
  readonly ttlSeconds: number;
  /** Hard stop when the minimums are not reached. */
  readonly maxSeconds: number;
  readonly out: string | undefined;
}

/** A malformed command line; main prints it with the usage and exits 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export const USAGE = `usage: node dist/apps/audit/src/main.js [--mode lease|naive|both] [--seconds N]
  [--readers N] [--writers N] [--products N] [--categories N] [--min-reads N] [--min-writes N]
  [--writes-per-second N] [--slow-load-ms N] [--slow-load-percent N] [--ttl-seconds N]
  [--max-seconds N] [--out <file.json>]`;

const NUMBERS = {
  seconds: { fallback: 10, min: 1 },
  readers: { fallback: 32, min: 1 },
  writers: { fallback: 4, min: 1 },
  products: { fallback: 200, min: 6 },
  categories: { fallback: 8, min: 3 },
  'min-reads': { fallback: 0, min: 0 },
  'min-writes': { fallback: 0, min: 0 },
  'writes-per-second': { fallback: 200, min: 0 },
  'slow-load-ms': { fallback: 0, min: 0 },
  'slow-load-percent': { fallback: 5, min: 0 },
  'ttl-seconds': { fallback: 600, min: 1 },
  'max-seconds': { fallback: 900, min: 1 },
} as const;
type NumberOption = keyof typeof NUMBERS;

/** Parses `argv` (without node and script); throws {@link UsageError}. */
export function parseAuditOptions(argv: readonly string[]): AuditOptions {
  let values: Record<string, string | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        mode: { type: 'string' },
        out: { type: 'string' },
        ...Object.fromEntries(Object.keys(NUMBERS).map((name) => [name, { type: 'string' }])),
      },
    }) as { values: Record<string, string | undefined> });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const number = (name: NumberOption): number => {
    const { fallback, min } = NUMBERS[name];
    const raw = values[name];
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isSafeInteger(value) || value < min) {
      throw new UsageError(`--${name}: expected an integer ≥ ${min}, got ${JSON.stringify(raw)}`);
    }
    return value;
  };
  const mode = values.mode ?? 'both';
  if (mode !== 'lease' && mode !== 'naive' && mode !== 'both') {
    throw new UsageError(`--mode: expected lease, naive or both, got ${JSON.stringify(mode)}`);
  }
  const options: AuditOptions = {
    modes: mode === 'both' ? ['lease', 'naive'] : [mode],
    seconds: number('seconds'),
    readers: number('readers'),
    writers: number('writers'),
    products: number('products'),
    categories: number('categories'),
    minReads: number('min-reads'),
    minWrites: number('min-writes'),
    writesPerSecond: number('writes-per-second'),
    slowLoadMs: number('slow-load-ms'),
    slowLoadPercent: number('slow-load-percent'),
    ttlSeconds: number('ttl-seconds'),
    maxSeconds: number('max-seconds'),
    out: values.out,
  };
  if (options.slowLoadPercent > 100) throw new UsageError('--slow-load-percent: expected ≤ 100');
  if (options.maxSeconds < options.seconds) {
    throw new UsageError('--max-seconds: expected at least --seconds');
  }
  return options;
}
