import { describe, expect, it } from 'vitest';
import { ConfigError } from './config.error.js';
import { compileConfig } from './invalidator.config.js';

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

describe('compileConfig', () => {
  it('fills documented defaults around the required settings', () => {
    const config = compileConfig(minimal);
    expect(config.kafka.brokers).toEqual(['127.0.0.1:59092']);
    expect(config.consumer).toMatchObject({
      groupId: 'invalidator',
      topics: ['catalog.public.products', 'catalog.public.categories'],
      fromBeginning: true,
      partitionsConsumedConcurrently: 3,
      sessionTimeoutMs: 10_000,
    });
    expect(config.stallTimeoutMs).toBe(60_000);
    expect(config.maxMessagesAwaitingSweeps).toBe(10_000);
    expect(config.redis).toEqual({
      mode: 'standalone',
      url: 'redis://127.0.0.1:56379',
      commandTimeoutMs: 5000,
    });
    expect(config.deadLetterTopic).toBe('invalidator.dlq');
    expect(config.http).toEqual({ host: '127.0.0.1', port: 53000 });
    expect(config.admin).toEqual({ token: undefined, invalidateEnabled: false });
  });

  it('reads a /regex/ topic subscription', () => {
    const config = compileConfig({
      ...minimal,
      INVALIDATOR_KAFKA_TOPICS: '/^catalog\\.public\\..*/',
    });
    expect(config.consumer.topics).toEqual([/^catalog\.public\..*/]);
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

  it('reports every missing variable at once, each named with what was expected', () => {
    expect(problems({})).toEqual([
      'INVALIDATOR_KAFKA_BROKERS is not set: expected a comma-separated list of host:port',
      'INVALIDATOR_KAFKA_TOPICS is not set: expected a comma-separated list of topics, or one /regular expression/',
      'set exactly one of INVALIDATOR_REDIS_URL (redis:// or rediss:// URL) and INVALIDATOR_REDIS_CLUSTER_NODES (host:port list)',
      'INVALIDATOR_RULES_PATH is not set: expected a rules file or directory',
    ]);
  });

  it('names malformed values and what they should be', () => {
    expect(
      problems({
        ...minimal,
        INVALIDATOR_KAFKA_BROKERS: 'localhost',
        INVALIDATOR_REDIS_URL: 'http://x',
        INVALIDATOR_HTTP_PORT: 'eighty',
        INVALIDATOR_KAFKA_FROM_BEGINNING: 'yes',
        INVALIDATOR_KAFKA_SASL_MECHANISM: 'gssapi',
      }),
    ).toEqual([
      'INVALIDATOR_KAFKA_BROKERS: "localhost" is not host:port; expected a comma-separated list of host:port',
      'INVALIDATOR_REDIS_URL=http://x: expected a redis:// or rediss:// URL',
      'INVALIDATOR_KAFKA_SASL_MECHANISM=gssapi: expected one of plain, scram-sha-256, scram-sha-512',
      'INVALIDATOR_KAFKA_FROM_BEGINNING=yes: expected true or false',
      'INVALIDATOR_HTTP_PORT=eighty: expected an integer from 0 to 65535',
    ]);
  });

  it('refuses to enable on-demand invalidation without a strong token', () => {
    expect(problems({ ...minimal, INVALIDATOR_ADMIN_INVALIDATE_ENABLED: 'true' })).toEqual([
      'INVALIDATOR_ADMIN_INVALIDATE_ENABLED=true needs INVALIDATOR_ADMIN_TOKEN: expected a secret of at least 16 characters',
    ]);
  });

  it('requires SASL credentials once a mechanism is chosen', () => {
    expect(problems({ ...minimal, INVALIDATOR_KAFKA_SASL_MECHANISM: 'scram-sha-512' })).toEqual([
      'INVALIDATOR_KAFKA_SASL_USERNAME is not set: expected the SASL user name',
      'INVALIDATOR_KAFKA_SASL_PASSWORD is not set: expected the SASL password',
    ]);
  });
});
