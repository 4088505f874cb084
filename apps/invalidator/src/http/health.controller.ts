import { Controller, Get, HttpStatus, Res } from '@nestjs/common';
import type { Response } from 'express';
import { describeError } from '#errors';
import { KafkaBatchConsumer } from '#kafka';
import { RedisInvalidator } from '#redis-invalidation';
import { withTimeout } from '#retry';
import { HealthState } from '../health/health-state.js';

const PING_TIMEOUT_MS = 1_000;

/**
 * Liveness (the process answers) and readiness (group joined, Redis reachable, rules loaded, no
 * partition stalled).
 */
@Controller('health')
export class HealthController {
  constructor(
    private readonly consumer: KafkaBatchConsumer,
    private readonly redis: RedisInvalidator,
    private readonly health: HealthState,
  ) {}

  @Get('live')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  async ready(@Res({ passthrough: true }) response: Response): Promise<Record<string, unknown>> {
    const redis = await this.pingRedis();
    const stalled = this.health.stalled();
    const checks = {
      kafka: this.consumer.joined ? 'joined' : 'not joined',
      redis:
        redis === null && this.health.redisOk ? 'reachable' : (redis ?? 'failing invalidations'),
      rules: 'loaded',
      partitions:
        stalled.length === 0
          ? 'progressing'
          : stalled
              .map(
                (s) =>
                  `${s.topic}/${String(s.partition)} stalled: no progress for ${String(Math.round(s.idleMs / 1000))} s, waiting on ${s.waitingOn}`,
              )
              .join('; '),
    };
    const ready = checks.kafka === 'joined' && checks.redis === 'reachable' && stalled.length === 0;
    response.status(ready ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE);
    return { status: ready ? 'ready' : 'not ready', checks };
  }

  /** Null when every master answers PING in time, else what failed (for the readiness body). */
  private async pingRedis(): Promise<string | null> {
    try {
      await withTimeout(this.redis.ping(), PING_TIMEOUT_MS, 'PING');
      return null;
    } catch (error) {
      return describeError(error);
    }
  }
}
