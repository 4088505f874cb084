import { RedisError } from '#redis';

/** A pattern sweep was stopped by its caller (shutdown): the sweep is incomplete, not failed. */
export class RedisSweepAbortedError extends RedisError {
  constructor(match: string) {
    super('REDIS_SWEEP_ABORTED', `sweep of ${match} stopped before it finished`, {
      retriable: false,
    });
  }
}
