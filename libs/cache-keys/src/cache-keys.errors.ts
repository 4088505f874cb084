import { InvalidatorError } from '#errors';

/** A value that cannot be read as a version, with what was expected. Not retriable. */
export class CacheVersionError extends InvalidatorError {
  constructor(value: unknown, detail: string) {
    super('CACHE_VERSION_INVALID', `version ${describe(value)}: ${detail}`, { retriable: false });
  }
}

/** The stored text claims to be an entry envelope but is not a valid one. Not retriable. */
export class CacheEntryFormatError extends InvalidatorError {
  constructor(detail: string) {
    super('CACHE_ENTRY_FORMAT', `cache entry: ${detail}`, { retriable: false });
  }
}

function describe(value: unknown): string {
  return typeof value === 'bigint' ? `${value}n` : JSON.stringify(value);
}
