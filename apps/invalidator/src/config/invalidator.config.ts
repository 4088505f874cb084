import type { SASLOptions } from 'kafkajs';
import type { KafkaBatchConsumerConfig, KafkaConnectionConfig } from '#kafka';
import type { RedisConnectionConfig } from '#redis-invalidation';
import type { BackoffOptions } from '#retry';
import type { ExpandOptions } from '#rules';
import { ConfigError } from './config.error.js';
import { EnvReader } from './env.reader.js';

/** Everything the service needs, validated. Built once at start by {@link compileConfig}. */
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
  readonly chunkSize: number;
  /** Invalidation markers left for keys of versioned entities. */
  readonly markers: { readonly enabled: boolean; readonly ttlMs: number };
  /** TEST ONLY: keys matching this are not deleted (a simulated lost invalidation). */
  readonly testDropKeys: RegExp | null;
  /** The online consistency checker (off unless enabled). */
  readonly consistency: {
    readonly enabled: boolean;
    readonly sampleRate: number;
    readonly windowsMs: readonly number[];
    readonly maxPending: number;
    readonly readsPerSecond: number;
  };
  readonly http: { readonly host: string; readonly port: number };
  readonly shutdownGraceMs: number;
  readonly admin: { readonly token: string | undefined; readonly invalidateEnabled: boolean };
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';
}

const SASL_MECHANISMS = ['plain', 'scram-sha-256', 'scram-sha-512'] as const;
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;

/**
 * Validates the environment into a configuration. Pure.
 * @throws ConfigError naming every variable that is missing or malformed and what was expected.
 */
export function compileConfig(
  env: Readonly<Record<string, string | undefined>>,
): InvalidatorConfig {
  const read = new EnvReader(env);
  const brokers = read.hostPorts(
    'INVALIDATOR_KAFKA_BROKERS',
    'a comma-separated list of host:port',
  );
  if (read.optional('INVALIDATOR_KAFKA_BROKERS') === undefined) {
    read.problem(
      'INVALIDATOR_KAFKA_BROKERS is not set: expected a comma-separated list of host:port',
    );
  }
  const topics = compileTopics(read);
  const redis = compileRedis(read);
  const sasl = compileSasl(read);
  const invalidateEnabled = read.boolean('INVALIDATOR_ADMIN_INVALIDATE_ENABLED', false);
  const token = read.optional('INVALIDATOR_ADMIN_TOKEN');
  if (invalidateEnabled && (token === undefined || token.length < 16)) {
    read.problem(
      'INVALIDATOR_ADMIN_INVALIDATE_ENABLED=true needs INVALIDATOR_ADMIN_TOKEN: expected a secret of at least 16 characters',
    );
  }
  const config: InvalidatorConfig = {
    kafka: {
      brokers: brokers.map(({ host, port }) => `${host}:${port}`),
      clientId: read.string('INVALIDATOR_KAFKA_CLIENT_ID', 'invalidator'),
      ssl: read.boolean('INVALIDATOR_KAFKA_SSL', false),
      ...(sasl === undefined ? {} : { sasl }),
    },
    consumer: {
      groupId: read.string('INVALIDATOR_KAFKA_GROUP_ID', 'invalidator'),
      topics,
      fromBeginning: read.boolean('INVALIDATOR_KAFKA_FROM_BEGINNING', true),
      partitionsConsumedConcurrently: read.integer(
        'INVALIDATOR_KAFKA_PARTITIONS_CONCURRENCY',
        3,
        1,
        256,
      ),
      sessionTimeoutMs: read.integer(
        'INVALIDATOR_KAFKA_SESSION_TIMEOUT_MS',
        30_000,
        6_000,
        300_000,
      ),
    },
    deadLetterTopic: read.string('INVALIDATOR_DLQ_TOPIC', 'invalidator.dlq'),
    redis,
    database: {
      url: read.optional('INVALIDATOR_DATABASE_URL'),
      poolSize: read.integer('INVALIDATOR_DATABASE_POOL_SIZE', 4, 1, 100),
      statementTimeoutMs: read.integer(
        'INVALIDATOR_DATABASE_STATEMENT_TIMEOUT_MS',
        2_000,
        10,
        600_000,
      ),
    },
    rulesPath: read.required('INVALIDATOR_RULES_PATH', 'a rules file or directory'),
    backoff: {
      initialDelayMs: read.integer('INVALIDATOR_RETRY_INITIAL_DELAY_MS', 100, 1, 60_000),
      maxDelayMs: read.integer('INVALIDATOR_RETRY_MAX_DELAY_MS', 5_000, 1, 600_000),
    },
    cascade: {
      maxDepth: read.integer('INVALIDATOR_CASCADE_MAX_DEPTH', 3, 0, 32),
      maxFanOut: read.integer('INVALIDATOR_CASCADE_MAX_FANOUT', 1_000, 1, 1_000_000),
    },
    chunkSize: read.integer('INVALIDATOR_CHUNK_SIZE', 500, 1, 100_000),
    markers: {
      enabled: read.boolean('INVALIDATOR_MARKERS', true),
      ttlMs: read.integer('INVALIDATOR_MARKER_TTL_MS', 60_000, 1, 86_400_000),
    },
    consistency: compileConsistency(read),
    testDropKeys: compileTestDropKeys(read),
    http: {
      host: read.string('INVALIDATOR_HTTP_HOST', '127.0.0.1'),
      port: read.integer('INVALIDATOR_HTTP_PORT', 53000, 0, 65535),
    },
    shutdownGraceMs: read.integer('INVALIDATOR_SHUTDOWN_GRACE_MS', 10_000, 0, 600_000),
    admin: { token, invalidateEnabled },
    logLevel: read.oneOf('INVALIDATOR_LOG_LEVEL', LOG_LEVELS, 'info'),
  };
  if (read.problems.length > 0) throw new ConfigError(read.problems);
  return config;
}

function compileTopics(read: EnvReader): (string | RegExp)[] {
  const raw = read.required(
    'INVALIDATOR_KAFKA_TOPICS',
    'a comma-separated list of topics, or one /regular expression/',
  );
  const pattern = /^\/(.+)\/([a-z]*)$/.exec(raw);
  if (pattern?.[1] === undefined) return read.list('INVALIDATOR_KAFKA_TOPICS');
  try {
    return [new RegExp(pattern[1], pattern[2])];
  } catch (error) {
    read.problem(
      `INVALIDATOR_KAFKA_TOPICS=${raw}: not a valid regular expression (${String(error)})`,
    );
    return [];
  }
}

function compileTestDropKeys(read: EnvReader): RegExp | null {
  const source = read.optional('INVALIDATOR_TEST_DROP_KEYS');
  if (source === undefined) return null;
  try {
    return new RegExp(source);
  } catch {
    read.problem(`INVALIDATOR_TEST_DROP_KEYS=${source}: expected a regular expression`);
    return null;
  }
}

function compileConsistency(read: EnvReader): InvalidatorConfig['consistency'] {
  const rateText = read.string('INVALIDATOR_CONSISTENCY_SAMPLE_RATE', '0.01');
  const sampleRate = Number(rateText);
  if (!/^\d+(\.\d+)?$/.test(rateText) || !(sampleRate >= 0 && sampleRate <= 1)) {
    read.problem(
      `INVALIDATOR_CONSISTENCY_SAMPLE_RATE=${rateText}: expected a number from 0 to 1, e.g. 0.01`,
    );
  }
  const windows = read.string('INVALIDATOR_CONSISTENCY_WINDOWS_MS', '1000,10000,60000');
  const windowsMs = windows.split(',').map((w) => Number(w.trim()));
  if (windowsMs.some((w) => !Number.isSafeInteger(w) || w < 1)) {
    read.problem(
      `INVALIDATOR_CONSISTENCY_WINDOWS_MS=${windows}: expected a comma-separated list of milliseconds above 0, e.g. 1000,10000,60000`,
    );
  }
  return {
    enabled: read.boolean('INVALIDATOR_CONSISTENCY_CHECK', false),
    sampleRate,
    windowsMs,
    maxPending: read.integer('INVALIDATOR_CONSISTENCY_MAX_PENDING', 10_000, 1, 10_000_000),
    readsPerSecond: read.integer('INVALIDATOR_CONSISTENCY_READS_PER_SECOND', 500, 1, 1_000_000),
  };
}

function compileRedis(read: EnvReader): RedisConnectionConfig {
  const url = read.optional('INVALIDATOR_REDIS_URL');
  const nodes = read.hostPorts(
    'INVALIDATOR_REDIS_CLUSTER_NODES',
    'a comma-separated list of host:port',
  );
  const commandTimeoutMs = read.integer('INVALIDATOR_REDIS_COMMAND_TIMEOUT_MS', 5_000, 10, 600_000);
  if ((url === undefined) === (nodes.length === 0)) {
    read.problem(
      'set exactly one of INVALIDATOR_REDIS_URL (redis:// or rediss:// URL) and INVALIDATOR_REDIS_CLUSTER_NODES (host:port list)',
    );
  }
  if (url !== undefined && !/^rediss?:\/\//.test(url)) {
    read.problem(`INVALIDATOR_REDIS_URL=${url}: expected a redis:// or rediss:// URL`);
  }
  if (nodes.length === 0) return { mode: 'standalone', url: url ?? '', commandTimeoutMs };
  const username = read.optional('INVALIDATOR_REDIS_USERNAME');
  const password = read.optional('INVALIDATOR_REDIS_PASSWORD');
  return {
    mode: 'cluster',
    nodes,
    commandTimeoutMs,
    useTls: read.boolean('INVALIDATOR_REDIS_TLS', false),
    ...(username === undefined ? {} : { username }),
    ...(password === undefined ? {} : { password }),
  };
}

function compileSasl(read: EnvReader): SASLOptions | undefined {
  const mechanism = read.optional('INVALIDATOR_KAFKA_SASL_MECHANISM');
  if (mechanism === undefined) return undefined;
  const found = SASL_MECHANISMS.find((m) => m === mechanism);
  if (found === undefined) {
    read.problem(
      `INVALIDATOR_KAFKA_SASL_MECHANISM=${mechanism}: expected one of ${SASL_MECHANISMS.join(', ')}`,
    );
    return undefined;
  }
  const username = read.required('INVALIDATOR_KAFKA_SASL_USERNAME', 'the SASL user name');
  const password = read.required('INVALIDATOR_KAFKA_SASL_PASSWORD', 'the SASL password');
  return { mechanism: found, username, password };
}
