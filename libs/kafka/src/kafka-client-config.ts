import type { ConnectionOptions } from 'node:tls';
import { Kafka, logLevel, type KafkaConfig, type SASLOptions } from 'kafkajs';

/** Where and how to reach the brokers. */
export interface KafkaConnectionConfig {
  /** `host:port` of one or more brokers. */
  readonly brokers: readonly string[];
  /** @default 'invalidator' */
  readonly clientId?: string;
  /** TLS to the brokers: true for the system CAs, or Node TLS options. @default false */
  readonly ssl?: boolean | ConnectionOptions;
  /** SASL PLAIN or SCRAM credentials. @default undefined (no SASL) */
  readonly sasl?: SASLOptions;
  /** @default 10000 */
  readonly connectionTimeoutMs?: number;
  /** @default 30000 */
  readonly requestTimeoutMs?: number;
}

/** The connection's defaults, written once; a config overrides only what it sets. */
export const KAFKA_CONNECTION_DEFAULTS = {
  clientId: 'invalidator',
  connectionTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
} as const;

/** Builds the kafkajs client; the only place that knows kafkajs' configuration shape. */
export function createKafka(
  config: KafkaConnectionConfig,
  log: (level: 'error' | 'warn' | 'info' | 'debug', message: string, extra: object) => void,
): Kafka {
  const options: KafkaConfig = {
    clientId: config.clientId ?? KAFKA_CONNECTION_DEFAULTS.clientId,
    brokers: [...config.brokers],
    connectionTimeout: config.connectionTimeoutMs ?? KAFKA_CONNECTION_DEFAULTS.connectionTimeoutMs,
    requestTimeout: config.requestTimeoutMs ?? KAFKA_CONNECTION_DEFAULTS.requestTimeoutMs,
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ level, log: entry }) => {
        const { message, ...extra } = entry;
        const name = level <= logLevel.ERROR ? 'error' : level === logLevel.WARN ? 'warn' : 'info';
        log(name, `kafkajs: ${message}`, extra);
      },
  };
  if (config.ssl !== undefined) options.ssl = config.ssl;
  if (config.sasl !== undefined) options.sasl = config.sasl;
  return new Kafka(options);
}
