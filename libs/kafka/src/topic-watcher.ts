import type { Admin } from 'kafkajs';

/** The topics in `existing` that one of `patterns` matches. */
export function matchingTopics(
  patterns: readonly RegExp[],
  existing: Iterable<string>,
): Set<string> {
  const matching = new Set<string>();
  for (const topic of existing) {
    // A pattern with the g or y flag keeps state in lastIndex: reset it so every test starts at 0.
    const matches = patterns.some((p) => {
      p.lastIndex = 0;
      return p.test(topic);
    });
    if (matches) matching.add(topic);
  }
  return matching;
}

/**
 * Finds the topics that appear after a pattern subscription was made: kafkajs matches a pattern
 * only once, when the consumer subscribes, and Debezium creates a table's topic with the table's
 * first change. Each {@link poll} lists the cluster's topics and returns the matching ones not
 * yet {@link accept}ed.
 */
export class TopicWatcher {
  private readonly known = new Set<string>();

  constructor(
    private readonly admin: Pick<Admin, 'listTopics'>,
    private readonly patterns: readonly RegExp[],
  ) {}

  /** Records the topics that exist now as known; call it before the consumer subscribes. */
  async baseline(): Promise<void> {
    for (const topic of await this.listMatching()) this.known.add(topic);
  }

  /** Matching topics not in the baseline and not accepted yet, in name order. */
  async poll(): Promise<string[]> {
    return [...(await this.listMatching())].filter((topic) => !this.known.has(topic)).sort();
  }

  /** Marks `topics` subscribed: later polls no longer return them. */
  accept(topics: readonly string[]): void {
    for (const topic of topics) this.known.add(topic);
  }

  private async listMatching(): Promise<Set<string>> {
    return matchingTopics(this.patterns, await this.admin.listTopics());
  }
}
