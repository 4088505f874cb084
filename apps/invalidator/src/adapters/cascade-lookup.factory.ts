import { InvalidatorError } from '#errors';
import { PgDatabase, type CascadeLookup, type RuleSet } from '#rules';
import type { InvalidatorConfig } from '../config/invalidator.config.js';
import { ConfigError } from '../config/config.error.js';

/** A cascade lookup that can be closed at shutdown. */
export interface ClosableLookup extends CascadeLookup {
  close(): Promise<void>;
}

/** For rule sets without cascades: any call is a bug in the rules engine, not a data problem. */
const noDatabase: ClosableLookup = {
  run: () =>
    Promise.reject(
      new InvalidatorError('NO_DATABASE', 'a cascade ran but INVALIDATOR_DATABASE_URL is not set', {
        retriable: false,
      }),
    ),
  close: () => Promise.resolve(),
};

/**
 * The database behind cascade lookups, with bounded connections and a statement timeout.
 * @throws ConfigError when the rules declare cascades and no database is configured.
 * @throws DatabaseUnavailableError when the configured database does not answer at start.
 */
export async function createCascadeLookup(
  config: InvalidatorConfig['database'],
  ruleSet: RuleSet,
): Promise<ClosableLookup> {
  if (config.url === undefined) {
    if (ruleSet.edges.length > 0) {
      throw new ConfigError([
        `INVALIDATOR_DATABASE_URL is not set: the rules declare ${ruleSet.edges.length} cascade(s), which need a postgres:// URL`,
      ]);
    }
    return noDatabase;
  }
  return PgDatabase.connect(config.url, {
    max: config.poolSize,
    statementTimeoutMs: config.statementTimeoutMs,
    applicationName: 'invalidator-cascades',
  });
}
