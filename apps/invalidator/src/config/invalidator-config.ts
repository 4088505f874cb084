import type { SASLOptions } from 'kafkajs';
import type { KafkaBatchConsumerConfig, KafkaConnectionConfig } from '#kafka';
import type { RedisConnectionConfig } from '#redis';
import type { MarkerWriterOptions } from '#redis-invalidation';
import type { ConsistencyCheckerOptions } from '#consistency';
import type { BackoffOptions } from '#retry';
import type { ExpandOptions } from '#rules';
import { ConfigError } from './config.errors.js';
import {
  describeIssue,
  environmentSchema,
  VARIABLE_NAMES,
  type Environment,
} from './environment-schema.js';
import { resolveFileVariables } from './file-variables.js';

/**
 * Everything the service needs, validated. Built once at start by {@link compileConfig}. Optional
 * fields left undefined take the default of the lib that owns the option.
 */
export interface InvalidatorConfig {
  readonly kafka: KafkaConnectionConfig;
  readonly consumer: KafkaBatchConsumerConfig;
  readonly deadLetterTopic: string;
  readonly redis: RedisConnectionConfig;
  readonly database: {
    readonly url: string | undefined;
    readonly poolSize: number;
    readonly statementTimeoutMs: number;
  };
  readonly rulesPath: string;
  readonly backoff: BackoffOptions;
  readonly cascade: ExpandOptions;
  /** Messages per chunk; undefined for the processor's default. */
  readonly chunkSize: number | undefined;
  /** Applied messages whose offsets may wait on pattern sweeps; undefined for the processor's default. */
  readonly maxMessagesAwaitingSweeps: number | undefined;
  /** A partition with pending work and no progress for this long makes readiness fail. */
  readonly stallTimeoutMs: number;
  /** Invalidation markers left for keys of versioned entities (defaults: `MARKER_DEFAULTS`). */
  readonly markers: MarkerWriterOptions;
  /**
   * TEST ONLY: keys matching this are silently not deleted, to simulate a lost invalidation the
   * consistency checker must report. Null in any real deployment.
   */
  readonly testDropKeys: RegExp | null;
  /** The online consistency checker (off unless enabled; defaults: `CONSISTENCY_DEFAULTS`). */
  readonly consistency: { readonly enabled: boolean } & ConsistencyCheckerOptions;
  readonly http: {
    readonly host: string;
    readonly port: number;
    /** Largest request body accepted, in bytes. */
    readonly bodyLimitBytes: number;
  };
  readonly shutdownGraceMs: number;
  readonly admin: { readonly token: string | undefined; readonly invalidateEnabled: boolean };
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';
}

type RawValues = Readonly<Record<string, string | undefined>>;

/**
 * Validates the environment into a configuration. Each variable may be given as `<NAME>_FILE`
 * instead, naming a file that holds the value. Pure apart from reading those files.
 * @throws ConfigError naming every variable that is missing or malformed and what was expected;
 *   secret values are never part of the message.
 */
export function compileConfig(env: RawValues): InvalidatorConfig {
  const resolved = resolveFileVariables(env, VARIABLE_NAMES);
  const parsed = environmentSchema.safeParse(resolved.values);
  const problems = [
    ...resolved.problems,
    ...(parsed.success ? [] : parsed.error.issues.map((i) => describeIssue(i, resolved.values))),
    ...crossVariableProblems(resolved.values),
  ];
  if (problems.length > 0 || !parsed.success) throw new ConfigError(problems);
  return toConfig(parsed.data);
}

/** Checks across several variables; they read raw values so they run even when others failed. */
function crossVariableProblems(raw: RawValues): string[] {
  const problems: string[] = [];
  if (
    (raw['INVALIDATOR_REDIS_URL'] === undefined) ===
    (raw['INVALIDATOR_REDIS_CLUSTER_NODES'] === undefined)
  ) {
    problems.push(
      'set exactly one of INVALIDATOR_REDIS_URL (redis:// or rediss:// URL) and INVALIDATOR_REDIS_CLUSTER_NODES (host:port list)',
    );
  }
  if (
    raw['INVALIDATOR_REDIS_URL'] !== undefined &&
    urlHasCredentials(raw['INVALIDATOR_REDIS_URL'])
  ) {
    for (const name of ['INVALIDATOR_REDIS_USERNAME', 'INVALIDATOR_REDIS_PASSWORD']) {
      if (raw[name] !== undefined) {
        problems.push(
          `${name} is set but INVALIDATOR_REDIS_URL holds credentials: expected them in only one place`,
        );
      }
    }
  }
  const invalidate = environmentSchema.shape.INVALIDATOR_ADMIN_INVALIDATE_ENABLED.safeParse(
    raw['INVALIDATOR_ADMIN_INVALIDATE_ENABLED'],
  );
  if (invalidate.data === true && raw['INVALIDATOR_ADMIN_TOKEN'] === undefined) {
    problems.push(
      'INVALIDATOR_ADMIN_INVALIDATE_ENABLED=true needs INVALIDATOR_ADMIN_TOKEN: expected a secret of at least 16 characters',
    );
  }
  const mechanism = environmentSchema.shape.INVALIDATOR_KAFKA_SASL_MECHANISM.safeParse(
    raw['INVALIDATOR_KAFKA_SASL_MECHANISM'],
  );
  if (mechanism.data !== undefined) {
    if (raw['INVALIDATOR_KAFKA_SASL_USERNAME'] === undefined)
      problems.push('INVALIDATOR_KAFKA_SASL_USERNAME is not set: expected the SASL user name');
    if (raw['INVALIDATOR_KAFKA_SASL_PASSWORD'] === undefined)
      problems.push('INVALIDATOR_KAFKA_SASL_PASSWORD is not set: expected the SASL password');
  }
  return problems;
}

function toConfig(env: Environment): InvalidatorConfig {
  return {
    kafka: {
      brokers: env.INVALIDATOR_KAFKA_BROKERS.map(({ host, port }) => `${host}:${port}`),
      clientId: env.INVALIDATOR_KAFKA_CLIENT_ID,
      ssl: env.INVALIDATOR_KAFKA_SSL,
      sasl: toSasl(env),
    },
    consumer: {
      groupId: env.INVALIDATOR_KAFKA_GROUP_ID,
      topics: env.INVALIDATOR_KAFKA_TOPICS,
      fromBeginning: env.INVALIDATOR_KAFKA_FROM_BEGINNING,
      partitionsConsumedConcurrently: env.INVALIDATOR_KAFKA_PARTITIONS_CONCURRENCY,
      sessionTimeoutMs: env.INVALIDATOR_KAFKA_SESSION_TIMEOUT_MS,
      topicRefreshIntervalMs: env.INVALIDATOR_KAFKA_TOPIC_REFRESH_MS,
    },
    deadLetterTopic: env.INVALIDATOR_DLQ_TOPIC,
    redis: toRedis(env),
    database: {
      url: env.INVALIDATOR_DATABASE_URL,
      poolSize: env.INVALIDATOR_DATABASE_POOL_SIZE,
      statementTimeoutMs: env.INVALIDATOR_DATABASE_STATEMENT_TIMEOUT_MS,
    },
    rulesPath: env.INVALIDATOR_RULES_PATH,
    backoff: {
      initialDelayMs: env.INVALIDATOR_RETRY_INITIAL_DELAY_MS,
      maxDelayMs: env.INVALIDATOR_RETRY_MAX_DELAY_MS,
    },
    cascade: {
      maxDepth: env.INVALIDATOR_CASCADE_MAX_DEPTH,
      maxFanOut: env.INVALIDATOR_CASCADE_MAX_FANOUT,
    },
    chunkSize: env.INVALIDATOR_CHUNK_SIZE,
    maxMessagesAwaitingSweeps: env.INVALIDATOR_MAX_MESSAGES_AWAITING_SWEEPS,
    stallTimeoutMs: env.INVALIDATOR_STALL_TIMEOUT_MS,
    markers: { enabled: env.INVALIDATOR_MARKERS, ttlMs: env.INVALIDATOR_MARKER_TTL_MS },
    testDropKeys: env.INVALIDATOR_TEST_DROP_KEYS ?? null,
    consistency: {
      enabled: env.INVALIDATOR_CONSISTENCY_CHECK,
      sampleRate: env.INVALIDATOR_CONSISTENCY_SAMPLE_RATE,
      windowsMs: env.INVALIDATOR_CONSISTENCY_WINDOWS_MS,
      maxPending: env.INVALIDATOR_CONSISTENCY_MAX_PENDING,
      readsPerSecond: env.INVALIDATOR_CONSISTENCY_READS_PER_SECOND,
    },
    http: {
      host: env.INVALIDATOR_HTTP_HOST,
      port: env.INVALIDATOR_HTTP_PORT,
      bodyLimitBytes: env.INVALIDATOR_HTTP_BODY_LIMIT_BYTES,
    },
    shutdownGraceMs: env.INVALIDATOR_SHUTDOWN_GRACE_MS,
    admin: {
      token: env.INVALIDATOR_ADMIN_TOKEN,
      invalidateEnabled: env.INVALIDATOR_ADMIN_INVALIDATE_ENABLED,
    },
    logLevel: env.INVALIDATOR_LOG_LEVEL,
  };
}

function toSasl(env: Environment): SASLOptions | undefined {
  const mechanism = env.INVALIDATOR_KAFKA_SASL_MECHANISM;
  if (mechanism === undefined) return undefined;
  return {
    mechanism,
    username: env.INVALIDATOR_KAFKA_SASL_USERNAME ?? '',
    password: env.INVALIDATOR_KAFKA_SASL_PASSWORD ?? '',
  };
}

function toRedis(env: Environment): RedisConnectionConfig {
  const commandTimeoutMs = env.INVALIDATOR_REDIS_COMMAND_TIMEOUT_MS;
  const username = env.INVALIDATOR_REDIS_USERNAME;
  const password = env.INVALIDATOR_REDIS_PASSWORD;
  const nodes = env.INVALIDATOR_REDIS_CLUSTER_NODES;
  if (nodes === undefined) {
    const url = withCredentials(env.INVALIDATOR_REDIS_URL ?? '', username, password);
    return { mode: 'standalone', url, commandTimeoutMs };
  }
  return {
    mode: 'cluster',
    nodes,
    commandTimeoutMs,
    useTls: env.INVALIDATOR_REDIS_TLS,
    username,
    password,
  };
}

function urlHasCredentials(url: string): boolean {
  return /^rediss?:\/\/[^/]*@/.test(url);
}

/** Puts separately given credentials into a standalone URL, so secrets can come from files. */
function withCredentials(
  url: string,
  username: string | undefined,
  password: string | undefined,
): string {
  if (username === undefined && password === undefined) return url;
  const user = encodeURIComponent(username ?? '');
  const secret = password === undefined ? '' : `:${encodeURIComponent(password)}`;
  return url.replace(/^(rediss?:\/\/)/, `$1${user}${secret}@`);
}
