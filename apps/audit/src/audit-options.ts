import { parseArgs } from 'node:util';

/**
 * Which cache-aside the readers use. Every mode stores entries with the row's version (so the
 * online checker can classify them); only `versioned` runs the service with invalidation markers,
 * so only there are older fills refused:
 * - `naive`: GET, then SELECT and SET (no lease, no guard);
 * - `lease`: the lease client, the service leaving no markers (leases only);
 * - `versioned`: the lease client with markers: leases and versions.
 */
export type AuditMode = 'lease' | 'naive' | 'versioned';

/** Every mode, in the order `--mode all` runs them. */
export const AUDIT_MODES: readonly AuditMode[] = ['naive', 'lease', 'versioned'];

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
  /** Loaders read from the lagging streaming replica (`npm run stack -- replica up`). */
  readonly replica: boolean;
  /** The online checker's windows in the audit's service (100 % sampling). */
  readonly checkWindowsMs: readonly number[];
  /** Hard stop when the minimums are not reached. */
  readonly maxSeconds: number;
  readonly out: string | undefined;
}

/** A malformed command line; main prints it with the usage and exits 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export const USAGE = `usage: node dist/apps/audit/src/main.js [--mode lease|naive|versioned|both|all]
  [--replica] [--seconds N] [--readers N] [--writers N] [--products N] [--categories N]
  [--min-reads N] [--min-writes N] [--writes-per-second N] [--slow-load-ms N]
  [--slow-load-percent N] [--ttl-seconds N] [--check-windows-ms N,N…] [--max-seconds N]
  [--out <file.json>]
  both = lease then naive; all = naive, lease, versioned; or a list: lease,versioned`;

const MODE_CHOICES: Readonly<Record<string, readonly AuditMode[]>> = {
  lease: ['lease'],
  naive: ['naive'],
  versioned: ['versioned'],
  both: ['lease', 'naive'],
  all: AUDIT_MODES,
};
const DEFAULT_CHECK_WINDOWS_MS = [1_000, 10_000];

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
  let values: Record<string, string | undefined> & { replica?: boolean };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        mode: { type: 'string' },
        out: { type: 'string' },
        replica: { type: 'boolean' },
        'check-windows-ms': { type: 'string' },
        ...Object.fromEntries(Object.keys(NUMBERS).map((name) => [name, { type: 'string' }])),
      },
    }) as unknown as { values: Record<string, string | undefined> & { replica?: boolean } });
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
  const modes = parseModes(values.mode ?? 'both');
  const options: AuditOptions = {
    modes,
    replica: values.replica === true,
    checkWindowsMs: windows(values['check-windows-ms']),
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

/** `both`, `all`, one mode, or a comma-separated list of them (run in that order, once each). */
function parseModes(raw: string): readonly AuditMode[] {
  const modes = raw.split(',').flatMap((name) => {
    const found = MODE_CHOICES[name.trim()];
    if (found === undefined) {
      throw new UsageError(
        `--mode: expected ${Object.keys(MODE_CHOICES).join(', ')} or a comma-separated list, got ${JSON.stringify(raw)}`,
      );
    }
    return found;
  });
  return [...new Set(modes)];
}

function windows(raw: string | undefined): readonly number[] {
  if (raw === undefined) return DEFAULT_CHECK_WINDOWS_MS;
  const parsed = raw.split(',').map((part) => Number(part.trim()));
  if (parsed.length === 0 || parsed.some((w) => !Number.isSafeInteger(w) || w < 1)) {
    throw new UsageError(
      `--check-windows-ms: expected milliseconds above 0, comma-separated, got ${JSON.stringify(raw)}`,
    );
  }
  return parsed;
}
