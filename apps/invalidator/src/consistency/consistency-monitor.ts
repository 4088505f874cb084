import type { BeforeApplicationShutdown } from '@nestjs/common';
import type { Logger } from 'pino';
import {
  CHECK_RESULTS,
  CONSISTENCY_DEFAULTS,
  ConsistencyChecker,
  type ConsistencyCheckerOptions,
  RedisEntryStateReader,
  type CheckReport,
  type InvalidatedKey,
  type WindowSummary,
} from '#consistency';
import type { MessageOutcome } from '#invalidation';
import { explainMessage, type RuleSet } from '#rules';
import { RedisClientFactory, type RedisClient } from '#redis';
import type { InvalidatorConfig } from '../config/invalidator-config.js';
import type { InvalidatorMetrics } from '../observability/invalidator-metrics.js';

/**
 * How long after a rules reload changes are also explained with the replaced rules (see
 * {@link ConsistencyMonitor.rulesReplaced}); at least the longest window.
 */
export const RELOAD_COMPARISON_MS = 300_000;

/** What `GET /admin/consistency` answers. */
export interface ConsistencyStatus {
  readonly enabled: boolean;
  readonly sampleRate: number;
  readonly pending: number;
  readonly windows: readonly WindowSummary[];
}

/**
 * The service side of the online consistency checker: fed by the batch observer with each applied
 * message's keys (so only invalidations that were applied are checked), reads Redis through a
 * client of its own, counts `invalidator_consistency_checks_total{window,result}` and logs every
 * inconsistency with the key, the change's topic/partition/offset and both versions.
 */
export class ConsistencyMonitor implements BeforeApplicationShutdown {
  private readonly checker: ConsistencyChecker | null;
  private readonly client: RedisClient | null;
  private readonly factory: RedisClientFactory;
  /** The checker's options over the lib's defaults (the config sets only what the env sets). */
  private readonly settings: Pick<Required<ConsistencyCheckerOptions>, 'sampleRate' | 'windowsMs'>;
  /** The rules a reload replaced, compared with until `until` (epoch ms). */
  private replaced: { readonly rules: RuleSet; readonly until: number } | null = null;

  constructor(
    config: InvalidatorConfig,
    private readonly metrics: InvalidatorMetrics,
    private readonly logger: Logger,
  ) {
    this.factory = new RedisClientFactory(config.redis);
    const { enabled, ...options } = config.consistency;
    this.settings = { ...CONSISTENCY_DEFAULTS, ...definedOnly(options) };
    this.client = enabled ? this.factory.create() : null;
    this.checker =
      this.client === null
        ? null
        : new ConsistencyChecker(
            new RedisEntryStateReader(this.client),
            (report) => {
              this.report(report);
            },
            options,
          );
    for (const windowMs of this.settings.windowsMs) {
      for (const result of CHECK_RESULTS) {
        this.metrics.consistencyChecks.inc({ window: windowLabel(windowMs), result }, 0);
      }
    }
    this.checker?.start();
  }

  /** Samples the keys of an applied message; ignores everything else. Never throws. */
  observe(outcome: MessageOutcome): void {
    if (this.checker === null) return;
    if (this.replaced !== null) this.observeDropped(outcome, this.replaced.rules);
    if (outcome.kind !== 'invalidate') return;
    const { topic, partition, offset } = outcome.message;
    const versions = new Map((outcome.plan.versions ?? []).map((v) => [v.key, v.version]));
    const keys: InvalidatedKey[] = outcome.plan.keys.map((key) => ({
      key,
      version: versions.get(key) ?? null,
      origin: { topic, partition, offset },
    }));
    this.checker.observe(keys);
  }

  /**
   * A reload replaced `previous`: for {@link RELOAD_COMPARISON_MS} (or the longest window, if
   * longer) from now, every change is also explained
   * with the previous rules, and the keys they would have invalidated and the new ones do not
   * are checked like invalidated keys. A rule removed by mistake then shows as inconsistent
   * entries (the key is still there, older than the change), not as silence.
   */
  rulesReplaced(previous: RuleSet): void {
    if (this.checker === null) return;
    const until = Date.now() + Math.max(RELOAD_COMPARISON_MS, ...this.settings.windowsMs);
    this.replaced = { rules: previous, until };
  }

  status(): ConsistencyStatus {
    return {
      enabled: this.checker !== null,
      sampleRate: this.settings.sampleRate,
      pending: this.checker?.pending() ?? 0,
      windows: this.checker?.summary() ?? [],
    };
  }

  /** Stops reading and closes the client this monitor owns. */
  async close(): Promise<void> {
    await this.checker?.stop();
    if (this.client !== null) await this.factory.close(this.client);
  }

  beforeApplicationShutdown(): Promise<void> {
    return this.close();
  }

  private observeDropped(outcome: MessageOutcome, previous: RuleSet): void {
    if (Date.now() > (this.replaced?.until ?? 0)) {
      this.replaced = null;
      return;
    }
    if (outcome.kind === 'dead-letter' || outcome.message.value === null) return;
    const planned = new Set(outcome.kind === 'invalidate' ? outcome.plan.keys : []);
    const { topic, partition, offset } = outcome.message;
    // Without a lookup nothing is awaited but the promise itself: no database, no Redis.
    explainMessage(previous, outcome.message)
      .then((before) => {
        const versions = new Map((before.versions ?? []).map((v) => [v.key, v.version]));
        const dropped = before.keys.filter((key) => !planned.has(key));
        this.checker?.observe(
          dropped.map((key) => ({
            key,
            version: versions.get(key) ?? null,
            origin: { topic, partition, offset },
          })),
        );
      })
      .catch(() => undefined); // the old rules cannot render it: nothing to compare
  }

  private report(report: CheckReport): void {
    this.metrics.consistencyChecks.inc({
      window: windowLabel(report.windowMs),
      result: report.result,
    });
    if (report.result !== 'inconsistent') return;
    this.logger.warn(
      {
        key: report.key,
        windowMs: report.windowMs,
        topic: report.origin.topic,
        partition: report.origin.partition,
        offset: report.origin.offset,
        changeVersion: report.changeVersion,
        entryVersion: report.entryVersion,
      },
      'inconsistent cache entry: refilled with a version older than the invalidated change',
    );
  }
}

/** `1000` → `1s`, `60000` → `60s`, `1500` → `1500ms`: the metric's window label. */
export function windowLabel(windowMs: number): string {
  return windowMs % 1000 === 0 ? `${windowMs / 1000}s` : `${windowMs}ms`;
}

/** `options` without its undefined members, so spreading it over defaults keeps them. */
function definedOnly<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(options).filter(([, value]) => value !== undefined),
  ) as Partial<T>;
}
