import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import {
  AclOperationTypes,
  AclPermissionTypes,
  AclResourceTypes,
  Kafka,
  logLevel,
  ResourcePatternTypes,
} from 'kafkajs';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEAD_LETTER_HEADERS } from '#kafka';
import { endpoints, InvalidatorProcess, killAllInvalidators, waitFor } from '#local-pipeline';
import { createCdcPipeline, waitForCaughtUp, type CdcPipeline } from '../support/cdc-pipeline.js';
import { readTopicUntil } from '../support/pipeline-checks.js';
import { startInvalidator } from '../support/invalidator-process.js';

// The service as a SCRAM-SHA-512 user on the broker's SASL_PLAINTEXT listener, holding only the
// ACLs docs/security.md lists: read its topics, read its group, write its dead-letter topic. It
// consumes, invalidates and dead-letters as usual, and the broker refuses anything beyond that.

const run = promisify(execFile);

let pipeline: CdcPipeline;
let redis: Redis;
let service: InvalidatorProcess;
let user: string;
let deadLetterTopic: string;
const password = randomBytes(18).toString('base64url');
const groupId = `sasl-${randomBytes(3).toString('hex')}`;

async function createScramUser(name: string, secret: string): Promise<void> {
  await run('bash', [
    '-c',
    'source deploy/local/common.sh && source deploy/local/components/kafka.sh && kafka_scram_user "$0" "$1"',
    name,
    secret,
  ]);
}

function allow(resourceType: AclResourceTypes, resourceName: string, operation: AclOperationTypes) {
  return {
    resourceType,
    resourceName,
    resourcePatternType: ResourcePatternTypes.LITERAL,
    principal: `User:${user}`,
    host: '*',
    operation,
    permissionType: AclPermissionTypes.ALLOW,
  };
}

beforeAll(async () => {
  pipeline = await createCdcPipeline('sasl');
  redis = new Redis(endpoints.redisUrl);
  user = `${pipeline.name}-svc`;
  deadLetterTopic = await pipeline.createTopic('dlq');
  await createScramUser(user, password);
  await pipeline.admin.createAcls({
    acl: [
      ...Object.values(pipeline.topics).map((topic) =>
        allow(AclResourceTypes.TOPIC, topic, AclOperationTypes.READ),
      ),
      allow(AclResourceTypes.GROUP, groupId, AclOperationTypes.READ),
      allow(AclResourceTypes.TOPIC, deadLetterTopic, AclOperationTypes.WRITE),
    ],
  });
  service = await startInvalidator({
    pipeline,
    label: 'sasl',
    groupId,
    deadLetterTopic,
    env: {
      INVALIDATOR_KAFKA_BROKERS: endpoints.kafkaSaslBrokers.join(','),
      INVALIDATOR_KAFKA_SASL_MECHANISM: 'scram-sha-512',
      INVALIDATOR_KAFKA_SASL_USERNAME: user,
      INVALIDATOR_KAFKA_SASL_PASSWORD: password,
    },
  });
});

afterAll(async () => {
  await killAllInvalidators();
  const started: Partial<{ redis: Redis; pipeline: CdcPipeline }> = { redis, pipeline };
  if (started.pipeline) {
    await started.pipeline.admin
      .deleteAcls({
        filters: [
          {
            resourceType: AclResourceTypes.ANY,
            resourcePatternType: ResourcePatternTypes.ANY,
            principal: `User:${user}`,
            host: '*',
            operation: AclOperationTypes.ANY,
            permissionType: AclPermissionTypes.ANY,
          },
        ],
      })
      .catch(() => undefined);
  }
  if (started.redis && started.pipeline) {
    await started.redis.unlink(started.pipeline.key('product:123'));
  }
  started.redis?.disconnect();
  await started.pipeline?.close();
});

describe('the service as a SASL/SCRAM user with only its ACLs', () => {
  it('consumes and invalidates over SASL', async () => {
    await waitForCaughtUp(pipeline, groupId, pipeline.topics.products);
    const key = pipeline.key('product:123');
    await redis.set(key, 'cached');
    await pipeline.catalog.query('UPDATE products SET price = price + 1 WHERE id = 123');
    await waitFor(async () => (await redis.exists(key)) === 0, {
      timeoutMs: 60_000,
      intervalMs: 100,
      what: 'product:123 deleted by the SASL user',
    });
  });

  it('writes a poison message to its dead-letter topic', async () => {
    const producer = pipeline.kafka.producer();
    await producer.connect();
    await producer.send({
      topic: pipeline.topics.products,
      messages: [{ key: '{"id":1}', value: '{"op": "u", "after": ' }],
    });
    await producer.disconnect();
    const [letter] = await readTopicUntil(pipeline, deadLetterTopic, (m) => m.length > 0);
    expect(letter?.headers[DEAD_LETTER_HEADERS.errorCode]).toBe('DEBEZIUM_INVALID_JSON');
    expect(service.logs.some((l) => l.msg === 'message sent to the dead-letter topic')).toBe(true);
  });

  it('is refused anything else: writing a source topic, reading another group', async () => {
    const kafka = new Kafka({
      clientId: `${user}-probe`,
      brokers: [...endpoints.kafkaSaslBrokers],
      sasl: { mechanism: 'scram-sha-512', username: user, password },
      logLevel: logLevel.NOTHING,
      retry: { retries: 0 },
    });
    const producer = kafka.producer();
    await producer.connect();
    try {
      await expect(
        producer.send({ topic: pipeline.topics.products, messages: [{ value: 'x' }] }),
      ).rejects.toMatchObject({ type: 'TOPIC_AUTHORIZATION_FAILED' });
    } finally {
      await producer.disconnect();
    }
    // The group it may read is visible to it; any other group is not (kafkajs reports the
    // broker's GROUP_AUTHORIZATION_FAILED on FindCoordinator as "coordinator not found").
    const admin = new Kafka({
      clientId: `${user}-admin`,
      brokers: [...endpoints.kafkaSaslBrokers],
      sasl: { mechanism: 'scram-sha-512', username: user, password },
      logLevel: logLevel.NOTHING,
      retry: { retries: 2, initialRetryTime: 200 },
    }).admin();
    await admin.connect();
    try {
      const { groups } = await admin.describeGroups([groupId]);
      expect(groups[0]?.state).toBe('Stable');
      await expect(admin.describeGroups([`${groupId}-other`])).rejects.toThrow(
        /coordinator|authoriz/i,
      );
    } finally {
      await admin.disconnect();
    }
    const wrong = new Kafka({
      clientId: `${user}-wrong`,
      brokers: [...endpoints.kafkaSaslBrokers],
      sasl: { mechanism: 'scram-sha-512', username: user, password: `${password}x` },
      logLevel: logLevel.NOTHING,
      retry: { retries: 0 },
    }).admin();
    // Refused at authentication (kafkajs may report it as an empty broker pool after the failure).
    await expect(wrong.connect()).rejects.toThrow(/SASL|authentication|No brokers/i);
  });
});
