import { HttpStatus } from '@nestjs/common';
import type { Response } from 'express';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { KafkaBatchConsumer } from '#kafka';
import { RedisUnavailableError } from '#redis';
import type { RedisInvalidator } from '#redis-invalidation';
import { HealthState } from '../health/health-state.js';
import { HealthController } from './health.controller.js';

afterEach(() => {
  vi.useRealTimers();
});

/** A controller over fakes; `ping` is what the Redis masters answer. */
function readiness(ping: () => Promise<void>, joined = true) {
  const consumer = { joined } as KafkaBatchConsumer;
  const redis = { ping } as unknown as RedisInvalidator;
  const health = new HealthState(60_000);
  const controller = new HealthController(consumer, redis, health);
  let status: number | undefined;
  const response = {
    status: (code: number) => {
      status = code;
      return response;
    },
  } as unknown as Response;
  return {
    health,
    check: async () => ({ body: await controller.ready(response), status }),
  };
}

describe('HealthController.ready', () => {
  it('is ready when the group is joined and every master answers PING', async () => {
    const { body, status } = await readiness(() => Promise.resolve()).check();
    expect(status).toBe(HttpStatus.OK);
    expect(body).toMatchObject({
      status: 'ready',
      checks: { kafka: 'joined', redis: 'reachable' },
    });
  });

  it('answers 503 naming the timeout when PING gets no reply within 1 s, and leaves no timer', async () => {
    vi.useFakeTimers();
    const pending = readiness(() => new Promise<void>(() => undefined)).check();
    await vi.advanceTimersByTimeAsync(1_000);
    const { body, status } = await pending;
    expect(status).toBe(HttpStatus.SERVICE_UNAVAILABLE);
    expect(body).toMatchObject({
      status: 'not ready',
      checks: { redis: 'TIMEOUT: PING: no result within 1000 ms' },
    });
    expect(vi.getTimerCount()).toBe(0);
  });

  it('answers 503 with the typed Redis error when PING fails', async () => {
    const refused = () => Promise.reject(new RedisUnavailableError('PING: connect ECONNREFUSED'));
    const { body, status } = await readiness(refused).check();
    expect(status).toBe(HttpStatus.SERVICE_UNAVAILABLE);
    expect(body).toMatchObject({
      checks: { redis: 'REDIS_UNAVAILABLE: PING: connect ECONNREFUSED' },
    });
  });

  it('answers 503 when PING answers but the last apply failed', async () => {
    const probe = readiness(() => Promise.resolve());
    probe.health.redisHealthy(false);
    const { body, status } = await probe.check();
    expect(status).toBe(HttpStatus.SERVICE_UNAVAILABLE);
    expect(body).toMatchObject({ checks: { redis: 'failing invalidations' } });
  });
});
