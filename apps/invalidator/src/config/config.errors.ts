import { InvalidatorError } from '#errors';

/** The environment does not describe a service that can start; lists every problem found. */
export class ConfigError extends InvalidatorError {
  constructor(readonly problems: readonly string[]) {
    super('CONFIG_INVALID', `invalid configuration:\n  ${problems.join('\n  ')}`, {
      retriable: false,
    });
  }
}
