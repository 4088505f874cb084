import { InvalidatorError } from '#errors';

/** The options are not usable; names the option. */
export class CacheClientOptionsError extends InvalidatorError {
  constructor(message: string) {
    super('CACHE_CLIENT_OPTIONS', message, { retriable: false });
  }
}
