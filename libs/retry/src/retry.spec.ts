import { describe, expect, it, vi } from 'vitest';
import { InvalidatorError } from '#errors';
import { BackoffPolicy } from './backoff-policy.js';
import { RetryAbortedError } from './retry.errors.js';
import { retry } from './retry.js';

const transient = () => new InvalidatorError('REDIS_UNAVAILABLE', 'down', { retriable: true });
const permanent = () => new InvalidatorError('RULE_RENDER', 'bad value', { retriable: false });
const instant = new BackoffPolicy({ initialDelayMs: 0, maxDelayMs: 0 });

describe('BackoffPolicy', () => {
  it('grows exponentially up to the cap, without jitter when random returns 0', () => {
    const policy = new BackoffPolicy(
      { initialDelayMs: 100, maxDelayMs: 1000, multiplier: 2 },
      () => 0,
    );
    expect([1, 2, 3, 4, 5, 6].map((a) => policy.delayMs(a))).toEqual([
      100, 200, 400, 800, 1000, 1000,
    ]);
  });

  it('takes up to the jitter share off each delay', () => {
    const policy = new BackoffPolicy({ initialDelayMs: 1000, jitter: 0.5 }, () => 1);
    expect(policy.delayMs(1)).toBe(500);
    const full = new BackoffPolicy({ initialDelayMs: 1000, jitter: 1 }, () => 0.25);
    expect(full.delayMs(1)).toBe(750);
  });
});

describe('retry', () => {
  it('retries retriable errors until the operation succeeds', async () => {
    const onRetry = vi.fn();
    let calls = 0;
    const result = await retry(
      () => {
        calls += 1;
        return calls < 4 ? Promise.reject(transient()) : Promise.resolve('done');
      },
      { operation: 'apply', backoff: instant, onRetry },
    );
    expect(result).toBe('done');
    expect(calls).toBe(4);
    expect(onRetry).toHaveBeenCalledTimes(3);
  });

  it('throws a non-retriable error at once', async () => {
    let calls = 0;
    const run = retry(
      () => {
        calls += 1;
        return Promise.reject(permanent());
      },
      { operation: 'apply', backoff: instant },
    );
    await expect(run).rejects.toMatchObject({ code: 'RULE_RENDER' });
    expect(calls).toBe(1);
  });

  it('treats plain errors as not retriable: only typed errors say they are transient', async () => {
    await expect(
      retry(() => Promise.reject(new Error('boom')), { operation: 'x', backoff: instant }),
    ).rejects.toThrow('boom');
  });

  it('stops with RetryAbortedError when the caller no longer wants the result', async () => {
    let calls = 0;
    const run = retry(
      () => {
        calls += 1;
        return Promise.reject(transient());
      },
      { operation: 'apply', backoff: instant, shouldContinue: () => calls < 2 },
    );
    await expect(run).rejects.toBeInstanceOf(RetryAbortedError);
    expect(calls).toBe(2);
  });

  it('gives up after maxAttempts with the last error', async () => {
    let calls = 0;
    const run = retry(
      () => {
        calls += 1;
        return Promise.reject(transient());
      },
      { operation: 'apply', backoff: instant, maxAttempts: 3 },
    );
    await expect(run).rejects.toMatchObject({ code: 'REDIS_UNAVAILABLE' });
    expect(calls).toBe(3);
  });

  it('aborts a long wait when the signal fires', async () => {
    const controller = new AbortController();
    const slow = new BackoffPolicy({ initialDelayMs: 60_000, maxDelayMs: 60_000, jitter: 0 });
    const run = retry(() => Promise.reject(transient()), {
      operation: 'apply',
      backoff: slow,
      signal: controller.signal,
      onRetry: () => {
        controller.abort();
      },
    });
    await expect(run).rejects.toBeInstanceOf(RetryAbortedError);
  });
});
