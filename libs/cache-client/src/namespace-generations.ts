/** One namespace's generation as last read, with when that read was sent. */
interface Known {
  readonly generation: Promise<number>;
  /** When the read was SENT: the reply reflects every bump before this instant. */
  readonly sentAt: number;
}

/**
 * The current generation of each namespace, read from Redis and reused for `maxAgeMs`.
 *
 * The staleness bound: a generation is reused only while `now - sentAt <= maxAgeMs`, where
 * `sentAt` is when the read that produced it was SENT (not when it came back), and that read was
 * served after `sentAt`, so it saw every bump made before then. Hence a bump at time `b` is seen by
 * every read through this cache from `b + maxAgeMs` on, however slow the round trip was. Concurrent
 * callers share one read in flight under the same rule. `maxAgeMs = 0` reads on every call.
 */
export class NamespaceGenerations {
  private readonly known = new Map<string, Known>();

  constructor(
    private readonly read: (namespace: string) => Promise<number>,
    private readonly maxAgeMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** The generation to build `namespace`'s keys with. Rejects when the read fails. */
  current(namespace: string): Promise<number> {
    const now = this.now();
    const known = this.known.get(namespace);
    if (known !== undefined && now - known.sentAt <= this.maxAgeMs) return known.generation;
    const generation = this.read(namespace);
    if (this.maxAgeMs > 0) {
      const entry = { generation, sentAt: now };
      this.known.set(namespace, entry);
      // A failed read is forgotten at once, so the next call tries again.
      generation.catch(() => {
        if (this.known.get(namespace) === entry) this.known.delete(namespace);
      });
    }
    return generation;
  }
}
