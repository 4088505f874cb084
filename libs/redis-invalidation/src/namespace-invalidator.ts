import { namespaceKeyFor } from '#cache-keys';
import { execPipeline, isCluster, type RedisClient, settleAll } from '#redis';

/** Result of {@link NamespaceInvalidator.bump}. */
export interface NamespaceResult {
  /** Distinct namespaces whose generation was bumped. */
  namespaces: number;
}

/**
 * Invalidates whole key families by bumping their generation counters ({@link namespaceKeyFor})
 * with `INCR`: readers then build every key of the family with the new generation, so the old
 * entries are never read again and expire by their TTL. The cost is one `INCR` per distinct
 * namespace, whatever the family's size, all sent together (one pipeline on a standalone server;
 * concurrent commands on a cluster, where the counters live in different slots).
 *
 * A retry after a failure may bump a counter twice; an extra bump only costs the family's cache
 * entries one more refill, never correctness.
 */
export class NamespaceInvalidator {
  constructor(private readonly client: RedisClient) {}

  /** Bumps the generation of every namespace in `namespaces` (deduplicated) once. */
  async bump(namespaces: Iterable<string>): Promise<NamespaceResult> {
    const counters = [...new Set(namespaces)].map(namespaceKeyFor);
    if (counters.length === 0) return { namespaces: 0 };
    if (isCluster(this.client)) {
      await settleAll(
        counters.map((counter) => this.client.incr(counter)),
        'INCR namespace generation',
      );
    } else {
      const pipeline = this.client.pipeline();
      for (const counter of counters) pipeline.incr(counter);
      await execPipeline(pipeline, 'INCR namespace generation');
    }
    return { namespaces: counters.length };
  }
}
