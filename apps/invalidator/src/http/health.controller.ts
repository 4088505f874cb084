import { Controller, Get, HttpStatus, Res } from '@nestjs/common';
import type { Response } from 'express';
import { describeError } from '#errors';
import { KafkaBatchConsumer } from '#kafka';
import { RedisInvalidator } from '#redis-invalidation';
import { MetricsObserver } from '../observability/metrics.observer.js';

const PING_TIMEOUT_MS = 1_000;

/** Liveness (the process answers) and readiness (group joined, Redis reachable, rules loaded). */
@Controller('health')
export class HealthController {
  constructor(
    private readonly consumer: KafkaBatchConsumer,
    private readonly redis: RedisInvalidator,
    private readonly observer: MetricsObserver,
  ) {}

  @Get('live')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  async ready(@Res({ passthrough: true }) response: Response): Promise<Record<string, unknown>> {
    const redis = await this.pingRedis();
    const checks = {
      kafka: this.consumer.joined ? 'joined' : 'not joined',
      redis:
        redis === null && this.observer.redisOk ? 'reachable' : (redis ?? 'failing invalidations'),
      rules: 'loaded',
    };
    const ready = checks.kafka === 'joined' && checks.redis === 'reachable';
    response.status(ready ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE);
    return { status: ready ? 'ready' : 'not ready', checks };
  }

  private async pingRedis(): Promise<string | null> {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.redis.ping(),
        new Promise((_, reject) => {
          timer = setTimeout(() => {
            reject(new Error(`no PING reply within ${PING_TIMEOUT_MS} ms`));
          }, PING_TIMEOUT_MS);
        }),
      ]);
      return null;
    } catch (error) {
      return describeError(error);
    } finally {
      clearTimeout(timer);
    }
  }
}
