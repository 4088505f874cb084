import { z } from 'zod';

/**
 * The service's environment variables as one zod schema: each entry validates one variable (a
 * trimmed string, or undefined when unset or empty) into its typed value. Messages say what was
 * expected; `describeIssue` adds the variable's name (and its value, unless it is a secret).
 *
 * Defaults written here are the service's own. Settings that a lib already defaults (retry
 * backoff, chunk size, partition concurrency, Kafka session, Redis timeout, cascade bounds) stay
 * undefined when unset, so the lib's default (next to its options) applies.
 */
export const environmentSchema = z.object({
  INVALIDATOR_KAFKA_BROKERS: hostPorts('a comma-separated list of host:port'),
  INVALIDATOR_KAFKA_TOPICS: topics(),
  INVALIDATOR_KAFKA_CLIENT_ID: z.string().optional(),
  INVALIDATOR_KAFKA_SSL: boolean().optional(),
  INVALIDATOR_KAFKA_SASL_MECHANISM: oneOf(['plain', 'scram-sha-256', 'scram-sha-512']).optional(),
  INVALIDATOR_KAFKA_SASL_USERNAME: z.string().optional(),
  INVALIDATOR_KAFKA_SASL_PASSWORD: z.string().optional(),
  INVALIDATOR_KAFKA_GROUP_ID: z.string().default('invalidator'),
  INVALIDATOR_KAFKA_FROM_BEGINNING: boolean().optional(),
  INVALIDATOR_KAFKA_PARTITIONS_CONCURRENCY: integer(1, 256).optional(),
  INVALIDATOR_KAFKA_SESSION_TIMEOUT_MS: integer(6_000, 300_000).optional(),
  INVALIDATOR_KAFKA_TOPIC_REFRESH_MS: integer(0, 3_600_000).optional(),
  INVALIDATOR_DLQ_TOPIC: z.string().default('invalidator.dlq'),
  INVALIDATOR_REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\/\S+$/, 'expected a redis:// or rediss:// URL')
    .optional(),
  INVALIDATOR_REDIS_CLUSTER_NODES: hostPorts('a comma-separated list of host:port').optional(),
  INVALIDATOR_REDIS_USERNAME: z.string().optional(),
  INVALIDATOR_REDIS_PASSWORD: z.string().optional(),
  INVALIDATOR_REDIS_TLS: boolean().optional(),
  INVALIDATOR_REDIS_COMMAND_TIMEOUT_MS: integer(10, 600_000).optional(),
  INVALIDATOR_DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\/\S+$/, 'expected a postgres:// URL')
    .optional(),
  INVALIDATOR_DATABASE_POOL_SIZE: integer(1, 100).default(4),
  INVALIDATOR_DATABASE_STATEMENT_TIMEOUT_MS: integer(10, 600_000).default(2_000),
  INVALIDATOR_RULES_PATH: z.string({ error: 'expected a rules file or directory' }),
  INVALIDATOR_RETRY_INITIAL_DELAY_MS: integer(1, 60_000).optional(),
  INVALIDATOR_RETRY_MAX_DELAY_MS: integer(1, 600_000).optional(),
  INVALIDATOR_CASCADE_MAX_DEPTH: integer(0, 32).optional(),
  INVALIDATOR_CASCADE_MAX_FANOUT: integer(1, 1_000_000).optional(),
  INVALIDATOR_CHUNK_SIZE: integer(1, 100_000).optional(),
  INVALIDATOR_MAX_MESSAGES_AWAITING_SWEEPS: integer(1, 10_000_000).optional(),
  INVALIDATOR_STALL_TIMEOUT_MS: integer(1_000, 3_600_000).default(60_000),
  INVALIDATOR_MARKERS: boolean().optional(),
  INVALIDATOR_MARKER_TTL_MS: integer(1, 86_400_000).optional(),
  INVALIDATOR_CONSISTENCY_CHECK: boolean().default(false),
  INVALIDATOR_CONSISTENCY_SAMPLE_RATE: fraction().optional(),
  INVALIDATOR_CONSISTENCY_WINDOWS_MS: milliseconds().optional(),
  INVALIDATOR_CONSISTENCY_MAX_PENDING: integer(1, 10_000_000).optional(),
  INVALIDATOR_CONSISTENCY_READS_PER_SECOND: integer(1, 1_000_000).optional(),
  INVALIDATOR_TEST_DROP_KEYS: regExp().optional(),
  INVALIDATOR_HTTP_HOST: z.string().default('127.0.0.1'),
  INVALIDATOR_HTTP_PORT: integer(0, 65535).default(53000),
  INVALIDATOR_HTTP_BODY_LIMIT_BYTES: integer(256, 10_485_760).default(65_536),
  INVALIDATOR_SHUTDOWN_GRACE_MS: integer(0, 600_000).default(10_000),
  INVALIDATOR_ADMIN_TOKEN: z
    .string()
    .min(16, 'expected a secret of at least 16 characters')
    .optional(),
  INVALIDATOR_ADMIN_INVALIDATE_ENABLED: boolean().default(false),
  INVALIDATOR_LOG_LEVEL: oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default(
    'info',
  ),
});

/** The variables after validation. */
export type Environment = z.output<typeof environmentSchema>;

/** A name the schema knows. */
export type VariableName = keyof typeof environmentSchema.shape;

/** Every variable the service reads (each also readable from a file through `<NAME>_FILE`). */
export const VARIABLE_NAMES = Object.keys(environmentSchema.shape) as readonly VariableName[];

/** Variables whose values are never echoed in errors or logs. */
export const SECRET_VARIABLES: ReadonlySet<string> = new Set<VariableName>([
  'INVALIDATOR_KAFKA_SASL_PASSWORD',
  'INVALIDATOR_REDIS_URL',
  'INVALIDATOR_REDIS_PASSWORD',
  'INVALIDATOR_DATABASE_URL',
  'INVALIDATOR_ADMIN_TOKEN',
]);

/**
 * One problem as a line naming the variable and what was expected. `env` holds the raw values
 * the schema saw; secrets are named, never shown.
 */
export function describeIssue(
  issue: z.core.$ZodIssue,
  env: Readonly<Record<string, string | undefined>>,
): string {
  const name = String(issue.path[0] ?? '');
  const raw = env[name];
  if (raw === undefined) return `${name} is not set: ${issue.message}`;
  if (issue.code === 'custom' && issue.params?.['item'] === true) {
    return `${name}: ${issue.message}`;
  }
  if (SECRET_VARIABLES.has(name)) return `${name} (secret, value not shown): ${issue.message}`;
  return `${name}=${raw}: ${issue.message}`;
}

function integer(min: number, max: number) {
  const expected = `expected an integer from ${min} to ${max}`;
  return z
    .string()
    .regex(/^-?\d+$/, expected)
    .transform(Number)
    .pipe(z.number().min(min, expected).max(max, expected));
}

function regExp() {
  return z.string().transform((raw, ctx) => {
    try {
      return new RegExp(raw);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'expected a regular expression' });
      return z.NEVER;
    }
  });
}

function fraction() {
  const expected = 'expected a number from 0 to 1, e.g. 0.01';
  return z
    .string()
    .regex(/^\d+(\.\d+)?$/, expected)
    .transform(Number)
    .pipe(z.number().min(0, expected).max(1, expected));
}

/** A comma-separated list of durations in ms, each above 0. */
function milliseconds() {
  const expected = 'expected a comma-separated list of milliseconds above 0, e.g. 1000,10000,60000';
  return z
    .string()
    .regex(/^\s*\d+\s*(,\s*\d+\s*)*$/, expected)
    .transform((raw) => list(raw).map(Number))
    .pipe(z.array(z.number().int().min(1, expected)).min(1, expected));
}

function boolean() {
  return z
    .enum(['true', '1', 'false', '0'], { error: 'expected true or false' })
    .transform((value) => value === 'true' || value === '1');
}

function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, { error: `expected one of ${values.join(', ')}` });
}

function list(raw: string): string[] {
  return raw
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

function hostPorts(expected: string) {
  return z.string({ error: `expected ${expected}` }).transform((raw, ctx) => {
    const parsed: { host: string; port: number }[] = [];
    for (const item of list(raw)) {
      const match = /^(.+):(\d{1,5})$/.exec(item);
      const port = Number(match?.[2]);
      if (match?.[1] === undefined || port < 1 || port > 65535) {
        ctx.addIssue({
          code: 'custom',
          message: `"${item}" is not host:port; expected ${expected}`,
          params: { item: true },
        });
      } else {
        parsed.push({ host: match[1], port });
      }
    }
    if (parsed.length === 0 && list(raw).length === 0) {
      ctx.addIssue({ code: 'custom', message: `expected ${expected}` });
    }
    return parsed;
  });
}

/** A comma-separated list of topics, or one `/regular expression/flags`. */
function topics() {
  return z
    .string({ error: 'expected a comma-separated list of topics, or one /regular expression/' })
    .transform((raw, ctx): (string | RegExp)[] => {
      const pattern = /^\/(.+)\/([a-z]*)$/.exec(raw);
      if (pattern?.[1] === undefined) return list(raw);
      try {
        return [new RegExp(pattern[1], pattern[2])];
      } catch (error) {
        ctx.addIssue({
          code: 'custom',
          message: `not a valid regular expression (${String(error)})`,
        });
        return [];
      }
    });
}
