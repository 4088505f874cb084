import { Logger } from '@nestjs/common';
import { Server, type CustomTransportStrategy, type MessageHandler } from '@nestjs/microservices';
import type { PartitionBatchProcessor } from '#invalidation';
import type { KafkaBatchConsumer } from '#kafka';
import type { ChangeHandlerRegistry } from './change-handler-registry.js';

/** Identifies the transport in `@EventPattern(pattern, DEBEZIUM_TRANSPORT)`, when an app has several. */
export const DEBEZIUM_TRANSPORT = Symbol('DebeziumTransport');

/** The transport's status, as `status` emits it. */
export type DebeziumTransportStatus = 'connecting' | 'connected' | 'disconnected';

/**
 * A Nest microservice transport for Debezium change events. `listen()` starts the consumer
 * group; each partition's batch goes to the {@link PartitionBatchProcessor}, which decodes each
 * message, names it `<entity>.<op>`, dispatches it to the YAML rules and to the
 * `@EventPattern`/`@OnChange` handlers registered here, applies the coalesced invalidations and
 * only then resolves offsets. `close()` stops fetching and lets in-flight batches end at a chunk
 * boundary.
 */
export class DebeziumTransport
  extends Server<Record<string, never>, DebeziumTransportStatus>
  implements CustomTransportStrategy
{
  override readonly transportId = DEBEZIUM_TRANSPORT;
  protected override readonly logger = new Logger(DebeziumTransport.name);

  constructor(
    private readonly consumer: KafkaBatchConsumer,
    private readonly processor: PartitionBatchProcessor,
    private readonly handlers: ChangeHandlerRegistry,
  ) {
    super();
  }

  /** Called by Nest for each `@EventPattern`/`@OnChange` method of the app's controllers. */
  override addHandler(
    pattern: unknown,
    callback: MessageHandler,
    isEventHandler = false,
    extras: Record<string, unknown> = {},
  ): void {
    const route = this.normalizePattern(pattern as string);
    if (!isEventHandler) {
      // Another transport's request-response handler in the same app: not ours to serve.
      this.logger.warn(`@MessagePattern('${route}') ignored: Debezium changes are events`);
      return;
    }
    // Kept in our registry, not chained by Nest: each handler's targets and errors stay its own.
    callback.isEventHandler = true;
    callback.extras = extras;
    if (!this.messageHandlers.has(route)) this.messageHandlers.set(route, callback);
    this.handlers.add(route, callback, extras);
  }

  listen(callback: (error?: unknown) => void): void {
    this._status$.next('connecting');
    this.consumer
      .start((batch) => this.processor.process(batch))
      .then(
        () => {
          this._status$.next('connected');
          callback();
        },
        (error: unknown) => {
          this._status$.next('disconnected');
          callback(error);
        },
      );
  }

  /** Stops fetching; in-flight batches end at a chunk boundary, resolved offsets are committed. */
  async close(): Promise<void> {
    this.logger.log('stopping: no new batches; committing what was applied');
    await this.consumer.stop();
    // Sweeps still running stop at their next page; their events' offsets stay uncommitted.
    this.processor.close();
    this._status$.next('disconnected');
    this.logger.log('consumer stopped');
  }

  /** Transport events are not exposed; watch `status`, or the consumer through `unwrap()`. */
  on(): never {
    throw new Error('DebeziumTransport has no events to listen to; subscribe to `status` instead');
  }

  /** The consumer group this transport runs (a `KafkaBatchConsumer`). */
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- Server's signature
  unwrap<T>(): T {
    return this.consumer as T;
  }
}
