import type { RedisOptions } from 'ioredis';
import { RedisCommandError } from './redis.errors.js';

/**
 * Parses a `redis://` or `rediss://` URL into ioredis options (host, port @default 6379, db
 * @default 0, decoded user and password, TLS for `rediss://`).
 * @throws RedisCommandError (not retriable) on anything else.
 */
export function redisOptionsFromUrl(url: string): RedisOptions {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (error) {
    throw new RedisCommandError(`Redis URL ${JSON.stringify(url)} is not a URL`, error);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new RedisCommandError(
      `Redis URL must start with redis:// or rediss://, got ${parsed.protocol}//`,
    );
  }
  const db = parsed.pathname.replace(/^\//, '');
  if (db !== '' && !/^\d+$/.test(db)) {
    throw new RedisCommandError(`Redis URL database must be a number, got ${JSON.stringify(db)}`);
  }
  const options: RedisOptions = {
    host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: parsed.port === '' ? 6379 : Number(parsed.port),
    db: db === '' ? 0 : Number(db),
  };
  if (parsed.username !== '') options.username = decodeURIComponent(parsed.username);
  if (parsed.password !== '') options.password = decodeURIComponent(parsed.password);
  if (parsed.protocol === 'rediss:') options.tls = {};
  return options;
}
