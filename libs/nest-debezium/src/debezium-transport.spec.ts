import 'reflect-metadata';
import { Controller, Injectable, Module, type INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { InvalidatorError } from '#errors';
import type { ConsumedMessage, DecodedChange, PartitionBatchProcessor } from '#invalidation';
import type { KafkaBatchConsumer } from '#kafka';
import { ChangeHandlerRegistry } from './change-handler-registry.js';
import { DebeziumContext } from './debezium-context.js';
import { DebeziumTransport } from './debezium-transport.js';
import { OnChange } from './on-change.decorator.js';

@Injectable()
class Locales {
  readonly list = ['en', 'fr'];
}

const seen: { topic: string; offset: string }[] = [];
let failures = 0;

@Controller()
class Handlers {
  constructor(private readonly locales: Locales) {}

  @OnChange('product.updated')
  async perLocale(@Payload() change: DecodedChange, @Ctx() context: DebeziumContext) {
    seen.push({ topic: context.getTopic(), offset: context.getOffset() });
    await Promise.resolve();
    const id = change.after?.['id'];
    return {
      keys: this.locales.list.map((l) => `product:${typeof id === 'bigint' ? id : '?'}:${l}`),
    };
  }

  @EventPattern('product.*')
  everyProductChange(@Payload() change: DecodedChange) {
    return { tags: [change.entity] };
  }

  @OnChange('category.updated')
  flaky() {
    failures += 1;
    throw new InvalidatorError('UPSTREAM_DOWN', 'try later', { retriable: true });
  }

  @EventPattern('category.deleted')
  broken(@Payload() change: DecodedChange): void {
    throw new Error(`bug on ${change.event}`);
  }

  @OnChange('brand.updated')
  wrongShape() {
    return ['brand:1'];
  }
}

const message: ConsumedMessage = {
  topic: 'catalog.public.products',
  partition: 2,
  offset: '41',
  key: null,
  value: null,
  headers: {},
  timestamp: '0',
};

function change(event: string, id = 7n): DecodedChange {
  const [entity = '', op = ''] = event.split('.');
  return {
    event,
    entity,
    op,
    table: `public.${entity}`,
    key: { id },
    before: null,
    after: { id },
    source: null,
    committedAtMs: null,
  };
}

@Module({ controllers: [Handlers], providers: [Locales] })
class TestModule {}

const consumer = { start: vi.fn(() => Promise.resolve()), stop: vi.fn(() => Promise.resolve()) };
const processor = { close: vi.fn() };
const registry = new ChangeHandlerRegistry();
let app: INestMicroservice;

beforeAll(async () => {
  const transport = new DebeziumTransport(
    consumer as unknown as KafkaBatchConsumer,
    processor as unknown as PartitionBatchProcessor,
    registry,
  );
  app = await NestFactory.createMicroservice(TestModule, { strategy: transport, logger: false });
  await app.listen();
});

afterAll(async () => {
  await app.close();
});

const handle = (event: string) =>
  Promise.all(registry.handlersFor(event).map((h) => h.handle(change(event), message)));

describe('DebeziumTransport', () => {
  it('starts the consumer on listen and stops it on close', () => {
    expect(consumer.start).toHaveBeenCalledTimes(1);
    expect(consumer.stop).not.toHaveBeenCalled();
  });

  it('calls the exact and the wildcard handlers, with injected services, payload and context', async () => {
    expect(registry.handlersFor('product.updated').map((h) => h.name)).toEqual([
      'Handlers.perLocale',
      "@EventPattern('product.*')#1",
    ]);
    expect(await handle('product.updated')).toEqual([
      { keys: ['product:7:en', 'product:7:fr'] },
      { tags: ['product'] },
    ]);
    expect(seen.at(-1)).toEqual({ topic: message.topic, offset: '41' });
  });

  it('matches wildcards by entity and operation, never snapshot reads', () => {
    expect(registry.handlersFor('product.deleted')).toHaveLength(1);
    expect(registry.handlersFor('product.read')).toHaveLength(0);
    expect(registry.handlersFor('products.updated')).toHaveLength(0);
  });

  it('hands an @OnChange error over as thrown, so a retriable one can be retried', async () => {
    const before = failures;
    await expect(handle('category.updated')).rejects.toMatchObject({
      code: 'UPSTREAM_DOWN',
      retriable: true,
    });
    expect(failures).toBe(before + 1);
  });

  it('reports a plain @EventPattern failure as a non-retriable HANDLER_FAILED', async () => {
    await expect(handle('category.deleted')).rejects.toMatchObject({
      code: 'HANDLER_FAILED',
      retriable: false,
    });
  });

  it('rejects a result that is not targets, naming the handler', async () => {
    await expect(handle('brand.updated')).rejects.toThrow(
      /handler Handlers.wrongShape returned an array/,
    );
  });
});

describe('DebeziumTransport shutdown', () => {
  it('stops the consumer, then the pattern sweeps, when the app closes', async () => {
    await app.close();
    expect(consumer.stop).toHaveBeenCalled();
    expect(processor.close).toHaveBeenCalled();
  });
});
