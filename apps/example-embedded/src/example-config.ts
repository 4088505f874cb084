import { InvalidatorError } from '#errors';
import type { ExampleConfig } from './example.module.js';

/**
 * Reads the example's environment: `EXAMPLE_KAFKA_BROKERS`, `EXAMPLE_TOPICS` (comma-separated),
 * `EXAMPLE_REDIS_URL`, `EXAMPLE_LOCALES`, and optionally `EXAMPLE_RULES` (a rules file or
 * directory), `EXAMPLE_DATABASE_URL` (for the rules' cascades), `EXAMPLE_GROUP_ID`,
 * `EXAMPLE_DEAD_LETTER_TOPIC`, `EXAMPLE_KEY_PREFIX`, `EXAMPLE_HTTP_PORT`.
 * @throws InvalidatorError (`CONFIG_INVALID`) naming the variable that is missing.
 */
export function readExampleConfig(env: NodeJS.ProcessEnv): ExampleConfig {
  const required = (name: string): string => {
    const value = env[name];
    if (value === undefined || value === '') {
      throw new InvalidatorError('CONFIG_INVALID', `${name} is not set`, { retriable: false });
    }
    return value;
  };
  const list = (value: string) =>
    value
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
  const rules = env['EXAMPLE_RULES'];
  const databaseUrl = env['EXAMPLE_DATABASE_URL'];
  return {
    locales: list(required('EXAMPLE_LOCALES')),
    keyPrefix: env['EXAMPLE_KEY_PREFIX'] ?? '',
    http: { host: '127.0.0.1', port: Number(env['EXAMPLE_HTTP_PORT'] ?? '3100') },
    invalidation: {
      kafka: { brokers: list(required('EXAMPLE_KAFKA_BROKERS')), clientId: 'example-embedded' },
      consumer: {
        groupId: env['EXAMPLE_GROUP_ID'] ?? 'example-embedded',
        topics: list(required('EXAMPLE_TOPICS')),
      },
      deadLetterTopic: env['EXAMPLE_DEAD_LETTER_TOPIC'] ?? 'example-embedded.dlq',
      redis: { mode: 'standalone', url: required('EXAMPLE_REDIS_URL') },
      ...(rules === undefined ? {} : { rules }),
      ...(databaseUrl === undefined ? {} : { database: { url: databaseUrl } }),
    },
  };
}
