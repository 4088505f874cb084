import { randomBytes } from 'node:crypto';
import { endpoints, InvalidatorProcess } from '#local-pipeline';
import type { CdcPipeline } from './cdc-pipeline.js';

/** Where the service sends its deletes. */
export type RedisTarget =
  { readonly url: string } | { readonly clusterNodes: readonly { host: string; port: number }[] };

export interface PipelineInvalidatorOptions {
  readonly pipeline: CdcPipeline;
  /** Shown in errors and log dumps. */
  readonly label: string;
  /** @default a group of its own */
  readonly groupId?: string;
  /** @default the stack's standalone Redis */
  readonly redis?: RedisTarget;
  /** @default a topic of its own, created here */
  readonly deadLetterTopic?: string;
  /** More INVALIDATOR_* variables (they win over the defaults here). */
  readonly env?: Readonly<Record<string, string>>;
  /** @default 60000 */
  readonly readyTimeoutMs?: number;
}

/**
 * Starts the built service on `pipeline` (its topics, rules and database) and resolves once it
 * is ready; `restart()` of the result keeps the group and dead-letter topic.
 */
export async function startInvalidator(
  options: PipelineInvalidatorOptions,
): Promise<InvalidatorProcess> {
  const { pipeline, label } = options;
  const groupId = options.groupId ?? `${pipeline.name}.${label}.${suffix()}`;
  const deadLetterTopic =
    options.deadLetterTopic ?? (await pipeline.createTopic(`dlq.${label}.${suffix()}`));
  const redis = options.redis ?? { url: endpoints.redisUrl };
  return InvalidatorProcess.start({
    label,
    readyTimeoutMs: options.readyTimeoutMs ?? 60_000,
    env: {
      INVALIDATOR_KAFKA_BROKERS: endpoints.kafkaBrokers.join(','),
      INVALIDATOR_KAFKA_CLIENT_ID: `${pipeline.name}-${label}`,
      INVALIDATOR_KAFKA_GROUP_ID: groupId,
      INVALIDATOR_KAFKA_TOPICS: Object.values(pipeline.topics).join(','),
      INVALIDATOR_DLQ_TOPIC: deadLetterTopic,
      INVALIDATOR_DATABASE_URL: pipeline.databaseUrl,
      INVALIDATOR_RULES_PATH: pipeline.rulesPath,
      ...('url' in redis
        ? { INVALIDATOR_REDIS_URL: redis.url }
        : {
            INVALIDATOR_REDIS_CLUSTER_NODES: redis.clusterNodes
              .map((n) => `${n.host}:${n.port}`)
              .join(','),
          }),
      ...options.env,
    },
  });
}

function suffix(): string {
  return randomBytes(3).toString('hex');
}
