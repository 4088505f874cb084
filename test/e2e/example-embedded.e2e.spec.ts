import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { endpoints, waitFor } from '#local-pipeline';
import { DebeziumTransport } from '#nest-debezium';
// The app is booted in-process; apps have no `#name` entry, so this test imports it by path.
// eslint-disable-next-line no-restricted-imports
import {
  ExampleModule,
  type ExampleConfig,
} from '../../apps/example-embedded/src/example.module.js';
// eslint-disable-next-line no-restricted-imports
import { LocaleSettings } from '../../apps/example-embedded/src/locale-settings.js';
import { createCdcPipeline, waitForCaughtUp, type CdcPipeline } from '../support/cdc-pipeline.js';

// An existing Nest app embeds the invalidation module and connects the Debezium transport; a
// real UPDATE goes through PostgreSQL, Debezium and Kafka into its per-locale code handler (and
// the YAML rules beside it), and the keys the handler named are gone from Redis.

let pipeline: CdcPipeline;
let redis: Redis;
let app: INestApplication | undefined;
let settings: LocaleSettings;
const groupSuffix = 'embedded';

beforeAll(async () => {
  pipeline = await createCdcPipeline('embedded');
  redis = new Redis(endpoints.redisUrl);
  const config: ExampleConfig = {
    locales: ['en', 'fr', 'de'],
    keyPrefix: pipeline.keyPrefix,
    http: { host: '127.0.0.1', port: 0 },
    invalidation: {
      kafka: { brokers: endpoints.kafkaBrokers, clientId: `${pipeline.name}-embedded` },
      consumer: {
        groupId: `${pipeline.name}.${groupSuffix}`,
        topics: [pipeline.topics.products],
      },
      deadLetterTopic: await pipeline.createTopic('dlq.embedded'),
      redis: { mode: 'standalone', url: endpoints.redisUrl },
      rules: pipeline.rulesPath,
      database: { url: pipeline.databaseUrl },
      backoff: { initialDelayMs: 50, maxDelayMs: 500 },
    },
  };
  settings = new LocaleSettings(config.locales, config.keyPrefix);
  const started = await NestFactory.create(ExampleModule.forRoot(config), { logger: false });
  app = started;
  started.connectMicroservice({ strategy: started.get(DebeziumTransport) });
  await started.init();
  await started.startAllMicroservices();
  // The snapshot is behind us: from here on, every change is a streamed update.
  await waitForCaughtUp(pipeline, `${pipeline.name}.${groupSuffix}`, pipeline.topics.products);
}, 240_000);

afterAll(async () => {
  await app?.close();
  if (pipeline as CdcPipeline | undefined) {
    const keys = await redis.keys(`${pipeline.keyPrefix}*`);
    if (keys.length > 0) await redis.unlink(...keys);
    await pipeline.close();
  }
  redis.disconnect();
});

describe('an existing Nest app with the invalidation module and the Debezium transport', () => {
  it('deletes the per-locale keys its code handler named, and the rules keys beside them', async () => {
    const pages = ['en', 'fr', 'de'].map((l) => settings.productPageKey('123', l));
    const otherLocale = settings.productPageKey('123', 'es'); // not configured: must stay
    const ruleKey = pipeline.key('product:123'); // from the YAML rules, the built-in handler
    const untouched = settings.productPageKey('124', 'en'); // another product: must stay
    for (const key of [...pages, otherLocale, ruleKey, untouched]) await redis.set(key, 'cached');

    await pipeline.updatePrices(123, 123, 1);

    await waitFor(async () => (await redis.exists(...pages, ruleKey)) === 0, {
      timeoutMs: 60_000,
      intervalMs: 100,
    });
    expect(await redis.exists(otherLocale)).toBe(1);
    expect(await redis.exists(untouched)).toBe(1);
  });
});
