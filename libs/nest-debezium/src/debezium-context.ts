import { BaseRpcContext } from '@nestjs/microservices';
import type { ConsumedMessage } from '#invalidation';

/**
 * What a change handler gets as `@Ctx()`: where the message came from and the raw message.
 * Read-only: offsets are resolved by the transport, after the chunk's invalidations are applied.
 */
export class DebeziumContext extends BaseRpcContext<[ConsumedMessage]> {
  constructor(message: ConsumedMessage) {
    super([message]);
  }

  /** The raw Kafka message: key, value and headers as bytes. */
  getMessage(): ConsumedMessage {
    return this.args[0];
  }

  getTopic(): string {
    return this.args[0].topic;
  }

  getPartition(): number {
    return this.args[0].partition;
  }

  /** The message's offset, a decimal string (Kafka offsets are 64-bit). */
  getOffset(): string {
    return this.args[0].offset;
  }

  getHeaders(): ConsumedMessage['headers'] {
    return this.args[0].headers;
  }
}
