import type { Logger } from 'pino';
import { describeError } from '#errors';
import { loadRules, type RuleSet } from '#rules';

/** Told when a reload swapped the rule set (the consistency monitor watches what it dropped). */
export type RulesReplacedListener = (previous: RuleSet, next: RuleSet) => void;
import type { InvalidatorMetrics } from '../observability/invalidator-metrics.js';

/**
 * The rule set in force. A reload validates the new files completely before swapping them in
 * with one assignment; a set with errors is rejected (its errors logged) and the old one stays.
 */
export class RulesRegistry {
  private constructor(
    private current: RuleSet,
    private readonly path: string,
    private readonly logger: Logger,
    private readonly metrics: InvalidatorMetrics,
    private readonly onReplaced: RulesReplacedListener,
  ) {}

  /** @throws RulesInvalidError or RulesUnreadableError: the service must not start without rules. */
  static async load(
    path: string,
    logger: Logger,
    metrics: InvalidatorMetrics,
    onReplaced: RulesReplacedListener = () => undefined,
  ): Promise<RulesRegistry> {
    const ruleSet = await loadRules(path);
    logger.info({ path, files: ruleSet.files, rules: ruleSet.rules.length }, 'rules loaded');
    return new RulesRegistry(ruleSet, path, logger, metrics, onReplaced);
  }

  get ruleSet(): RuleSet {
    return this.current;
  }

  /** Loads the files again; resolves true when the new set is in force. */
  async reload(): Promise<boolean> {
    try {
      const next = await loadRules(this.path);
      const previous = this.current;
      this.current = next;
      this.onReplaced(previous, next);
      this.metrics.ruleReloads.inc({ result: 'applied' });
      this.logger.info({ path: this.path, rules: next.rules.length }, 'rules reloaded');
      return true;
    } catch (error) {
      this.metrics.ruleReloads.inc({ result: 'rejected' });
      this.logger.error(
        { path: this.path, error: describeError(error) },
        'rules reload rejected; keeping the previous rules',
      );
      return false;
    }
  }
}
