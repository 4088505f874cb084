import { describe, expect, it } from 'vitest';
import { type Clock, ScanRateLimiter } from './scan-rate-limiter.js';

/** A clock that only moves when the limiter sleeps, recording each sleep. */
function fakeClock(): Clock & { sleeps: number[] } {
  let now = 1000;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    sleep: (ms) => {
      sleeps.push(ms);
      now += ms;
      return Promise.resolve();
    },
  };
}

describe('ScanRateLimiter', () => {
  it('spreads pages so keys per second stay at the limit', async () => {
    const clock = fakeClock();
    const limiter = new ScanRateLimiter(1000, clock);
    for (let page = 0; page < 5; page += 1) await limiter.take(100);
    expect(clock.sleeps).toEqual([100, 100, 100, 100, 100]);
    expect(clock.now()).toBe(1500);
  });

  it('does not sleep when the work itself is slower than the limit', async () => {
    const clock = fakeClock();
    const limiter = new ScanRateLimiter(1000, clock);
    await limiter.take(100);
    await clock.sleep(500); // a slow SCAN
    clock.sleeps.length = 0;
    await limiter.take(100);
    expect(clock.sleeps).toEqual([]);
  });

  it('never sleeps with Infinity and rejects a non-positive rate', async () => {
    const clock = fakeClock();
    const limiter = new ScanRateLimiter(Infinity, clock);
    await limiter.take(1_000_000);
    expect(clock.sleeps).toEqual([]);
    expect(() => new ScanRateLimiter(0, clock)).toThrow(RangeError);
  });
});
