/** Bounds of the exponential backoff between attempts of a transient failure. */
export interface BackoffOptions {
  /** Delay before the first retry. @default 100 */
  readonly initialDelayMs?: number;
  /** No delay grows beyond this. @default 5000 */
  readonly maxDelayMs?: number;
  /** Growth factor per attempt. @default 2 */
  readonly multiplier?: number;
  /**
   * Share of each delay drawn at random, so that many consumers failing together do not retry in
   * lockstep: 0 is none, 1 is "full jitter" (anywhere from 0 to the delay). @default 0.5
   */
  readonly jitter?: number;
}

/** Exponential backoff with jitter. Pure: the random source is injected. */
export class BackoffPolicy {
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
  readonly multiplier: number;
  readonly jitter: number;

  constructor(
    options: BackoffOptions = {},
    private readonly random: () => number = Math.random,
  ) {
    this.initialDelayMs = options.initialDelayMs ?? 100;
    this.maxDelayMs = options.maxDelayMs ?? 5_000;
    this.multiplier = options.multiplier ?? 2;
    this.jitter = options.jitter ?? 0.5;
  }

  /** Delay before retry number `attempt` (1 for the first retry). */
  delayMs(attempt: number): number {
    const exponential = this.initialDelayMs * this.multiplier ** Math.max(0, attempt - 1);
    const capped = Math.min(this.maxDelayMs, exponential);
    return Math.round(capped * (1 - this.jitter * this.random()));
  }
}
