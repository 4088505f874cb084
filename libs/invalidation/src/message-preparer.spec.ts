import { describe, expect, it } from 'vitest';
import { InvalidatorError } from '#errors';
import { BackoffPolicy } from '#retry';
import { compileRules, type CascadeLookup } from '#rules';
import type { CodeHandler, CodeHandlerRegistry } from './code-handler.js';
import { CodeHandlerError } from './invalidation.errors.js';
import type { DecodedChange } from './decoded-change.js';
import { MessagePreparer, type PrepareContext } from './message-preparer.js';
import type { ConsumedMessage } from './partition-batch-types.js';

const ruleSet = compileRules([
  {
    path: 'rules/test.yaml',
    text: `
version: 1
entities:
  product: { table: public.products }
rules:
  - name: product-page
    on: [product.updated]
    invalidate:
      - key: "product:{id}"
`,
  },
]);

const context: PrepareContext = { ruleSet, shouldContinue: () => true, onRetry: () => undefined };
const noLookup: CascadeLookup = { run: () => Promise.reject(new Error('no lookups expected')) };
const instant = new BackoffPolicy({ initialDelayMs: 0, maxDelayMs: 0 });

function update(table: string, id: number): ConsumedMessage {
  return {
    topic: `catalog.public.${table}`,
    partition: 0,
    offset: '5',
    key: null,
    value: Buffer.from(
      JSON.stringify({
        op: 'u',
        before: { id, name: 'old', secret: 1 },
        after: { id, name: 'new', secret: 2 },
        source: { schema: 'public', table, ts_ms: 1000, lsn: 77 },
      }),
    ),
    headers: {},
    timestamp: '0',
  };
}

function registry(byEvent: Record<string, CodeHandler[]>): CodeHandlerRegistry {
  return { handlersFor: (event) => byEvent[event] ?? [] };
}

const preparer = (handlers: CodeHandlerRegistry) =>
  new MessagePreparer(noLookup, instant, {}, handlers);

describe('MessagePreparer with code handlers', () => {
  it('merges the rules and every handler of the event into one plan', async () => {
    const received: DecodedChange[] = [];
    const handlers = registry({
      'product.updated': [
        {
          name: 'locales',
          handle: (change) => {
            received.push(change);
            return Promise.resolve({ keys: ['product:1:en', 'product:1'] });
          },
        },
        { name: 'tags', handle: () => Promise.resolve({ tags: ['shelf'] }) },
        { name: 'nothing', handle: () => Promise.resolve(undefined) },
      ],
    });
    const outcome = await preparer(handlers).prepare(update('products', 1), context);
    expect(outcome).toMatchObject({
      kind: 'invalidate',
      event: 'product.updated',
      plan: { keys: ['product:1', 'product:1:en'], tags: ['shelf'], patterns: [] },
      committedAtMs: 1000,
    });
    expect(received[0]).toMatchObject({
      event: 'product.updated',
      entity: 'product',
      op: 'updated',
      table: 'public.products',
      after: { id: 1n, name: 'new', secret: 2n },
      source: { lsn: 77n },
    });
  });

  it('gives handlers every column although the rules read only some', async () => {
    const received: DecodedChange[] = [];
    const handlers = registry({
      'product.updated': [
        {
          name: 'whole',
          handle: (change) => {
            received.push(change);
            return Promise.resolve(undefined);
          },
        },
      ],
    });
    await preparer(handlers).prepare(update('products', 1), context);
    expect(received[0]?.before).toEqual({ id: 1n, name: 'old', secret: 1n });
    expect(received[0]?.after).toEqual({ id: 1n, name: 'new', secret: 2n });
  });

  it('names a table no rule file maps after the table, so a handler can still take it', async () => {
    const handlers = registry({
      'brands.updated': [{ name: 'brand', handle: () => Promise.resolve({ keys: ['brand:3'] }) }],
    });
    const outcome = await preparer(handlers).prepare(update('brands', 3), context);
    expect(outcome).toMatchObject({ kind: 'invalidate', event: 'brands.updated' });
    const ignored = await preparer(registry({})).prepare(update('brands', 3), context);
    expect(ignored).toMatchObject({ kind: 'ignore', reason: 'unmapped' });
  });

  it('retries a handler that fails with a retriable error', async () => {
    let attempts = 0;
    const handlers = registry({
      'product.updated': [
        {
          name: 'flaky',
          handle: () => {
            attempts += 1;
            return attempts < 3
              ? Promise.reject(new InvalidatorError('DOWN', 'later', { retriable: true }))
              : Promise.resolve({ keys: ['x'] });
          },
        },
      ],
    });
    const outcome = await preparer(handlers).prepare(update('products', 1), context);
    expect(attempts).toBe(3);
    expect(outcome).toMatchObject({ kind: 'invalidate', plan: { keys: ['product:1', 'x'] } });
  });

  it('dead-letters the message, naming the handler, when one fails for good', async () => {
    const handlers = registry({
      'product.updated': [
        { name: 'Pages.onProduct', handle: () => Promise.reject(new Error('bug')) },
      ],
    });
    const outcome = await preparer(handlers).prepare(update('products', 1), context);
    expect(outcome.kind).toBe('dead-letter');
    const error = outcome.kind === 'dead-letter' ? outcome.error : null;
    expect(error).toBeInstanceOf(CodeHandlerError);
    expect(error).toMatchObject({ handler: 'Pages.onProduct', retriable: false });
  });
});
