import type { Admin } from 'kafkajs';

/** A consumer group's lag behind one topic, from its committed offsets. */
export interface ConsumerLag {
  /** Samples taken (one a second). */
  samples: number;
  /** Largest lag seen, messages (every partition's high watermark − committed offset). */
  maxMessages: number;
  /** Lag at the last sample (after the drain), messages. */
  endMessages: number;
}

/**
 * Samples a group's lag every `intervalMs` through the admin API: the sum over partitions of the
 * high watermark minus the group's committed offset (a partition the group has not committed yet
 * counts from 0). An upper bound of the in-flight work, since the service commits after Redis.
 */
export class ConsumerLagSampler {
  private readonly lags: number[] = [];
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> = Promise.resolve();

  private constructor(
    private readonly admin: Admin,
    private readonly groupId: string,
    private readonly topic: string,
  ) {}

  static start(
    admin: Admin,
    groupId: string,
    topic: string,
    intervalMs = 1000,
  ): ConsumerLagSampler {
    const sampler = new ConsumerLagSampler(admin, groupId, topic);
    sampler.timer = setInterval(() => {
      sampler.inFlight = sampler.inFlight.then(() => sampler.sample());
    }, intervalMs);
    return sampler;
  }

  /** Stops sampling after one last sample; idempotent. */
  async stop(): Promise<ConsumerLag> {
    if (this.timer !== undefined) {
      clearInterval(this.timer);
      this.timer = undefined;
      this.inFlight = this.inFlight.then(() => this.sample());
    }
    await this.inFlight;
    return {
      samples: this.lags.length,
      maxMessages: Math.max(0, ...this.lags),
      endMessages: this.lags.at(-1) ?? 0,
    };
  }

  private async sample(): Promise<void> {
    try {
      const [high, committed] = await Promise.all([
        this.admin.fetchTopicOffsets(this.topic),
        this.admin.fetchOffsets({ groupId: this.groupId, topics: [this.topic] }),
      ]);
      const byPartition = new Map(
        (committed[0]?.partitions ?? []).map((p) => [p.partition, Math.max(0, Number(p.offset))]),
      );
      this.lags.push(
        high.reduce((sum, p) => sum + Number(p.high) - (byPartition.get(p.partition) ?? 0), 0),
      );
    } catch {
      // a sample lost to a busy broker: the next one counts
    }
  }
}
