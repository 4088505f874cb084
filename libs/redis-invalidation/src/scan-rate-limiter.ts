/** Time source of {@link ScanRateLimiter}; tests pass a fake one. */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

/** Real time: `performance.now()` and a timer. */
export const systemClock: Clock = {
  now: () => performance.now(),
  sleep: (ms) =>
    new Promise((resolve) => {
      setTimeout(resolve, ms);
    }),
};

/**
 * Paces a sweep to at most `perSecond` keys examined, measured from the first page, so a long
 * sweep spreads its SCAN calls out and other clients of the same server keep their latency.
 * `Infinity` disables pacing. One limiter per sweep of one server.
 */
export class ScanRateLimiter {
  private startedAt: number | undefined;
  private examined = 0;

  constructor(
    private readonly perSecond: number,
    private readonly clock: Clock = systemClock,
  ) {
    if (!(perSecond > 0)) throw new RangeError(`rate ${perSecond}: expected > 0 keys per second`);
  }

  /** Accounts for `keys` more keys examined and waits until that is within the rate. */
  async take(keys: number): Promise<void> {
    this.startedAt ??= this.clock.now();
    this.examined += keys;
    if (this.perSecond === Infinity) return;
    const dueAt = this.startedAt + (this.examined / this.perSecond) * 1000;
    const wait = dueAt - this.clock.now();
    if (wait > 0) await this.clock.sleep(wait);
  }
}
