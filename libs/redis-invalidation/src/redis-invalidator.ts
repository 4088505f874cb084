import type {
  ApplyOptions,
  InvalidationApplier,
  InvalidationCounts,
  InvalidationPlan,
} from '#invalidation';
import {
  assertReady,
  mastersOf,
  type RedisClient,
  RedisClientFactory,
  type RedisConnectionConfig,
  settleAll,
  toRedisError,
  waitUntilReady,
} from '#redis';
import { KeyDeleter, type KeyDeleterOptions } from './key-deleter.js';
import { NamespaceInvalidator } from './namespace-invalidator.js';
import { MarkerWriter, type MarkerWriterOptions } from './marker-writer.js';
import { PatternSweeper, type PatternSweeperOptions } from './pattern-sweeper.js';
import { TagInvalidator, type TagInvalidatorOptions } from './tag-invalidator.js';

/** Tuning of each part. */
export interface RedisInvalidatorOptions {
  keys?: KeyDeleterOptions;
  tags?: TagInvalidatorOptions;
  patterns?: PatternSweeperOptions;
  /** Invalidation markers of versioned keys. */
  markers?: MarkerWriterOptions;
}

/**
 * Applies invalidation plans to Redis (standalone or cluster), idempotently (a namespace bumped
 * twice only costs a refill): keys first, then tags, then namespaces, then patterns. Any failure throws a `RedisError` (`#redis`) whose `retriable` tells the caller
 * to apply the same plan again later (everything already done is harmless to redo); there is no
 * retry loop in here, so the caller's backoff and offset handling stay in one place.
 */
export class RedisInvalidator implements InvalidationApplier {
  private readonly keyDeleter: KeyDeleter;
  private readonly tagInvalidator: TagInvalidator;
  private readonly namespaceInvalidator: NamespaceInvalidator;
  private readonly patternSweeper: PatternSweeper;
  private readonly markerWriter: MarkerWriter;

  constructor(
    private readonly client: RedisClient,
    options: RedisInvalidatorOptions = {},
    private readonly factory?: RedisClientFactory,
  ) {
    this.keyDeleter = new KeyDeleter(client, options.keys);
    this.tagInvalidator = new TagInvalidator(client, this.keyDeleter, options.tags);
    this.namespaceInvalidator = new NamespaceInvalidator(client);
    this.patternSweeper = new PatternSweeper(client, options.patterns);
    this.markerWriter = new MarkerWriter(client, options.markers);
  }

  /** An invalidator with its own client built from `config`; {@link close} closes it. */
  static fromConfig(
    config: RedisConnectionConfig,
    options: RedisInvalidatorOptions = {},
  ): RedisInvalidator {
    const factory = new RedisClientFactory(config);
    return new RedisInvalidator(factory.create(), options, factory);
  }

  /** Deletes everything `plan` names. */
  async apply(plan: InvalidationPlan, options: ApplyOptions = {}): Promise<InvalidationCounts> {
    assertReady(this.client);
    const keys = await this.unlinkKeys(plan);
    const tags = await this.tagInvalidator.invalidate(plan.tags);
    const namespaces = await this.namespaceInvalidator.bump(plan.namespaces);
    const patterns = await this.patternSweeper.sweep(plan.patterns, options.signal);
    return {
      keys: keys.requested,
      tags: tags.tags,
      tagMembers: tags.members,
      namespaces: namespaces.namespaces,
      patterns: patterns.patterns,
      patternMatches: patterns.matches,
      removed: keys.removed + tags.removed + patterns.removed,
    };
  }

  // Versioned keys go with their markers (one script per slot batch); the rest with plain UNLINK.
  private async unlinkKeys(
    plan: InvalidationPlan,
  ): Promise<{ requested: number; removed: number }> {
    const versions = plan.versions ?? [];
    if (versions.length === 0 || !this.markerWriter.enabled) {
      return this.keyDeleter.unlink(plan.keys);
    }
    const versioned = new Set(versions.map((v) => v.key));
    const plain = await this.keyDeleter.unlink(plan.keys.filter((key) => !versioned.has(key)));
    const marked = await this.markerWriter.markAndUnlink(versions);
    return { requested: plain.requested + versioned.size, removed: plain.removed + marked };
  }

  /** PINGs every master; throws a typed error when one does not answer (for readiness probes). */
  async ping(): Promise<void> {
    assertReady(this.client);
    await settleAll(
      mastersOf(this.client).map((node) => node.ping()),
      'PING',
    );
  }

  /**
   * Resolves once the client is connected (cluster: slot map loaded). Rejects with a retriable
   * `REDIS_UNAVAILABLE` after `timeoutMs`, or at once, not retriable, when Redis refuses the
   * credentials (WRONGPASS, NOAUTH): waiting would not fix a wrong configuration.
   */
  async waitUntilReady(timeoutMs = 10_000): Promise<void> {
    await waitUntilReady(this.client, timeoutMs);
  }

  /** Closes the client if this invalidator created it. */
  async close(): Promise<void> {
    if (this.factory === undefined) return;
    try {
      await this.factory.close(this.client);
    } catch (error) {
      throw toRedisError(error, 'close');
    }
  }
}
