import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from './config.errors.js';
import { VARIABLE_NAMES } from './environment-schema.js';
import { compileConfig } from './invalidator-config.js';

const minimal = {
  INVALIDATOR_KAFKA_BROKERS: '127.0.0.1:59092',
  INVALIDATOR_KAFKA_TOPICS: 'catalog.public.products,catalog.public.categories',
  INVALIDATOR_REDIS_URL: 'redis://127.0.0.1:56379',
  INVALIDATOR_RULES_PATH: 'rules',
};

function problems(env: Record<string, string>): readonly string[] {
  try {
    compileConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

function secretFile(content: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'invalidator-config-')), 'secret');
  writeFileSync(path, content);
  return path;
}

describe('compileConfig', () => {
  it('fills the service defaults and leaves lib-owned settings to the libs', () => {
    const config = compileConfig(minimal);
    expect(config.kafka.brokers).toEqual(['127.0.0.1:59092']);
    expect(config.consumer).toEqual({
      groupId: 'invalidator',
      topics: ['catalog.public.products', 'catalog.public.categories'],
      fromBeginning: undefined,
      partitionsConsumedConcurrently: undefined,
      sessionTimeoutMs: undefined,
      topicRefreshIntervalMs: undefined,
    });
    expect(config.stallTimeoutMs).toBe(60_000);
    expect(config.maxMessagesAwaitingSweeps).toBeUndefined();
    expect(config.redis).toEqual({
      mode: 'standalone',
      url: 'redis://127.0.0.1:56379',
      commandTimeoutMs: undefined,
    });
    expect(config.backoff).toEqual({ initialDelayMs: undefined, maxDelayMs: undefined });
    expect(config.chunkSize).toBeUndefined();
    expect(config.deadLetterTopic).toBe('invalidator.dlq');
    expect(config.http).toEqual({ host: '127.0.0.1', port: 53000, bodyLimitBytes: 65_536 });
    expect(config.admin).toEqual({ token: undefined, invalidateEnabled: false });
  });

  it('overrides a lib default only where a variable is set', () => {
    const config = compileConfig({
      ...minimal,
      INVALIDATOR_CHUNK_SIZE: '50',
      INVALIDATOR_RETRY_MAX_DELAY_MS: '800',
      INVALIDATOR_KAFKA_PARTITIONS_CONCURRENCY: '8',
    });
    expect(config.chunkSize).toBe(50);
    expect(config.backoff).toEqual({ initialDelayMs: undefined, maxDelayMs: 800 });
    expect(config.consumer.partitionsConsumedConcurrently).toBe(8);
  });

  it('reads a /regex/ topic subscription and how often it looks for new topics', () => {
    const config = compileConfig({
      ...minimal,
      INVALIDATOR_KAFKA_TOPICS: '/^catalog\\.public\\..*/',
      INVALIDATOR_KAFKA_TOPIC_REFRESH_MS: '0',
    });
    expect(config.consumer.topics).toEqual([/^catalog\.public\..*/]);
    expect(config.consumer.topicRefreshIntervalMs).toBe(0);
    expect(problems({ ...minimal, INVALIDATOR_KAFKA_TOPIC_REFRESH_MS: '-1' })).toEqual([
      'INVALIDATOR_KAFKA_TOPIC_REFRESH_MS=-1: expected an integer from 0 to 3600000',
    ]);
  });

  it('reads a Redis Cluster with credentials and TLS', () => {
    const { INVALIDATOR_REDIS_URL: _url, ...rest } = minimal;
    const config = compileConfig({
      ...rest,
      INVALIDATOR_REDIS_CLUSTER_NODES: '127.0.0.1:57001, 127.0.0.1:57002',
      INVALIDATOR_REDIS_PASSWORD: 'secret',
      INVALIDATOR_REDIS_TLS: 'true',
    });
    expect(config.redis).toMatchObject({
      mode: 'cluster',
      nodes: [
        { host: '127.0.0.1', port: 57001 },
        { host: '127.0.0.1', port: 57002 },
      ],
      password: 'secret',
      useTls: true,
    });
  });

  it('puts separate credentials into a standalone Redis URL, encoded', () => {
    const config = compileConfig({
      ...minimal,
      INVALIDATOR_REDIS_USERNAME: 'invalidator',
      INVALIDATOR_REDIS_PASSWORD: 'p@ss:word',
    });
    expect(config.redis).toMatchObject({
      url: 'redis://invalidator:p%40ss%3Aword@127.0.0.1:56379',
    });
  });

  it('reports every missing variable at once, each named with what was expected', () => {
    expect(problems({})).toEqual([
      'INVALIDATOR_KAFKA_BROKERS is not set: expected a comma-separated list of host:port',
      'INVALIDATOR_KAFKA_TOPICS is not set: expected a comma-separated list of topics, or one /regular expression/',
      'INVALIDATOR_RULES_PATH is not set: expected a rules file or directory',
      'set exactly one of INVALIDATOR_REDIS_URL (redis:// or rediss:// URL) and INVALIDATOR_REDIS_CLUSTER_NODES (host:port list)',
    ]);
  });

  it('names malformed values and what they should be, never showing a secret', () => {
    expect(
      problems({
        ...minimal,
        INVALIDATOR_KAFKA_BROKERS: 'localhost',
        INVALIDATOR_REDIS_URL: 'http://user:hunter2@x',
        INVALIDATOR_HTTP_PORT: 'eighty',
        INVALIDATOR_KAFKA_FROM_BEGINNING: 'yes',
        INVALIDATOR_KAFKA_SASL_MECHANISM: 'gssapi',
        INVALIDATOR_CHUNK_SIZE: '0',
      }),
    ).toEqual([
      'INVALIDATOR_KAFKA_BROKERS: "localhost" is not host:port; expected a comma-separated list of host:port',
      'INVALIDATOR_KAFKA_SASL_MECHANISM=gssapi: expected one of plain, scram-sha-256, scram-sha-512',
      'INVALIDATOR_KAFKA_FROM_BEGINNING=yes: expected true or false',
      'INVALIDATOR_REDIS_URL (secret, value not shown): expected a redis:// or rediss:// URL',
      'INVALIDATOR_CHUNK_SIZE=0: expected an integer from 1 to 100000',
      'INVALIDATOR_HTTP_PORT=eighty: expected an integer from 0 to 65535',
    ]);
  });

  it('refuses to enable on-demand invalidation without a token, and a short token at all', () => {
    expect(problems({ ...minimal, INVALIDATOR_ADMIN_INVALIDATE_ENABLED: 'true' })).toEqual([
      'INVALIDATOR_ADMIN_INVALIDATE_ENABLED=true needs INVALIDATOR_ADMIN_TOKEN: expected a secret of at least 16 characters',
    ]);
    expect(problems({ ...minimal, INVALIDATOR_ADMIN_TOKEN: 'short' })).toEqual([
      'INVALIDATOR_ADMIN_TOKEN (secret, value not shown): expected a secret of at least 16 characters',
    ]);
  });

  it('requires SASL credentials once a mechanism is chosen', () => {
    expect(problems({ ...minimal, INVALIDATOR_KAFKA_SASL_MECHANISM: 'scram-sha-512' })).toEqual([
      'INVALIDATOR_KAFKA_SASL_USERNAME is not set: expected the SASL user name',
      'INVALIDATOR_KAFKA_SASL_PASSWORD is not set: expected the SASL password',
    ]);
  });

  it('refuses credentials given both in the Redis URL and separately', () => {
    expect(
      problems({
        ...minimal,
        INVALIDATOR_REDIS_URL: 'redis://u:p@127.0.0.1:1',
        INVALIDATOR_REDIS_PASSWORD: 'other',
      }),
    ).toEqual([
      'INVALIDATOR_REDIS_PASSWORD is set but INVALIDATOR_REDIS_URL holds credentials: expected them in only one place',
    ]);
  });
});

describe('compileConfig with <NAME>_FILE variables', () => {
  it('reads a value from a file, without its trailing newline', () => {
    const config = compileConfig({
      ...minimal,
      INVALIDATOR_KAFKA_SASL_MECHANISM: 'scram-sha-512',
      INVALIDATOR_KAFKA_SASL_USERNAME_FILE: secretFile('invalidator\n'),
      INVALIDATOR_KAFKA_SASL_PASSWORD_FILE: secretFile('s3cret value\r\n'),
      INVALIDATOR_ADMIN_TOKEN_FILE: secretFile('0123456789abcdef0123'),
    });
    expect(config.kafka.sasl).toEqual({
      mechanism: 'scram-sha-512',
      username: 'invalidator',
      password: 's3cret value',
    });
    expect(config.admin.token).toBe('0123456789abcdef0123');
  });

  it('accepts a _FILE form for every variable the service reads', () => {
    const fromFiles = Object.fromEntries(
      Object.entries(minimal).map(([name, value]) => [`${name}_FILE`, secretFile(`${value}\n`)]),
    );
    expect(compileConfig(fromFiles)).toEqual(compileConfig(minimal));
    for (const name of VARIABLE_NAMES) {
      expect(problems({ ...minimal, [name]: 'x', [`${name}_FILE`]: '/nonexistent' })).toContain(
        `${name} and ${name}_FILE are both set: expected only one of them`,
      );
    }
  });

  it('names an unreadable file and an unknown _FILE variable', () => {
    expect(
      problems({
        ...minimal,
        INVALIDATOR_DATABASE_URL_FILE: '/nonexistent/db-url',
        INVALIDATOR_REDIS_PASWORD_FILE: '/run/secrets/redis',
      }),
    ).toEqual([
      'INVALIDATOR_DATABASE_URL_FILE=/nonexistent/db-url: cannot read the file (ENOENT): expected a readable file',
      'INVALIDATOR_REDIS_PASWORD_FILE is set but the service reads no INVALIDATOR_REDIS_PASWORD: expected the _FILE form of a variable in the README',
    ]);
  });

  it('validates a value from a file like a plain one, hiding secrets', () => {
    expect(
      problems({
        ...minimal,
        INVALIDATOR_HTTP_PORT_FILE: secretFile('99999\n'),
        INVALIDATOR_ADMIN_TOKEN_FILE: secretFile('tiny\n'),
      }),
    ).toEqual([
      'INVALIDATOR_HTTP_PORT=99999: expected an integer from 0 to 65535',
      'INVALIDATOR_ADMIN_TOKEN (secret, value not shown): expected a secret of at least 16 characters',
    ]);
  });
});

describe('compileConfig: markers and the consistency checker', () => {
  it('leaves the checker off and the marker and checker tuning to the libs by default', () => {
    const config = compileConfig(minimal);
    // Unset variables stay unset: the libs' MARKER_DEFAULTS and CONSISTENCY_DEFAULTS apply.
    expect(config.markers).toEqual({ enabled: undefined, ttlMs: undefined });
    expect(config.consistency).toEqual({
      enabled: false,
      sampleRate: undefined,
      windowsMs: undefined,
      maxPending: undefined,
      readsPerSecond: undefined,
    });
  });

  it('reads the checker settings and names malformed ones', () => {
    const config = compileConfig({
      ...minimal,
      INVALIDATOR_CONSISTENCY_CHECK: 'true',
      INVALIDATOR_CONSISTENCY_SAMPLE_RATE: '1',
      INVALIDATOR_CONSISTENCY_WINDOWS_MS: '500, 2000',
      INVALIDATOR_MARKER_TTL_MS: '30000',
    });
    expect(config.consistency).toMatchObject({
      enabled: true,
      sampleRate: 1,
      windowsMs: [500, 2000],
    });
    expect(config.markers.ttlMs).toBe(30_000);
    expect(
      problems({
        ...minimal,
        INVALIDATOR_CONSISTENCY_SAMPLE_RATE: '1.5',
        INVALIDATOR_CONSISTENCY_WINDOWS_MS: '1s',
      }),
    ).toEqual([
      'INVALIDATOR_CONSISTENCY_SAMPLE_RATE=1.5: expected a number from 0 to 1, e.g. 0.01',
      'INVALIDATOR_CONSISTENCY_WINDOWS_MS=1s: expected a comma-separated list of milliseconds above 0, e.g. 1000,10000,60000',
    ]);
  });
});
