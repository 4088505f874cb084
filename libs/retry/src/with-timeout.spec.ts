import { afterEach, describe, expect, it, vi } from 'vitest';
import { isRetriable } from '#errors';
import { TimeoutError } from './retry.errors.js';
import { withTimeout } from './with-timeout.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('withTimeout', () => {
  it('returns the result of work that settles in time, and clears its timer', async () => {
    vi.useFakeTimers();
    await expect(withTimeout(Promise.resolve(42), 1_000, 'PING')).resolves.toBe(42);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('passes the work’s own failure through, and clears its timer', async () => {
    vi.useFakeTimers();
    const failure = new Error('refused');
    await expect(withTimeout(Promise.reject(failure), 1_000)).rejects.toBe(failure);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('rejects with a retriable TimeoutError naming the operation once the bound passes', async () => {
    vi.useFakeTimers();
    const run = withTimeout(new Promise<never>(() => undefined), 50, 'PING');
    const outcome = expect(run).rejects.toSatisfy(
      (error) =>
        error instanceof TimeoutError &&
        error.code === 'TIMEOUT' &&
        error.timeoutMs === 50 &&
        isRetriable(error) &&
        error.message === 'PING: no result within 50 ms',
    );
    await vi.advanceTimersByTimeAsync(50);
    await outcome;
    expect(vi.getTimerCount()).toBe(0);
  });

  it('swallows a rejection that comes after the timeout', async () => {
    vi.useFakeTimers();
    const unhandled = vi.fn();
    process.on('unhandledRejection', unhandled);
    try {
      let fail: (error: Error) => void = () => undefined;
      const late = new Promise<never>((_, reject) => {
        fail = reject;
      });
      const run = withTimeout(late, 10);
      const outcome = expect(run).rejects.toBeInstanceOf(TimeoutError);
      await vi.advanceTimersByTimeAsync(10);
      await outcome;
      fail(new Error('too late'));
      vi.useRealTimers();
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).not.toHaveBeenCalled();
    } finally {
      process.off('unhandledRejection', unhandled);
    }
  });
});
