import { InvalidatorError } from '#errors';

/** Everything the catalog API reads from the environment. */
export interface CatalogConfig {
  /** `CATALOG_DATABASE_URL` (required): `postgres://user:password@host:port/db[?options=...]`. */
  databaseUrl: string;
  /** `CATALOG_DATABASE_POOL_SIZE`. @default 10 */
  databasePoolSize: number;
  /** `CATALOG_REDIS_URL` (required): `redis://` or `rediss://`. */
  redisUrl: string;
  /** `CATALOG_HTTP_HOST`. @default '127.0.0.1' */
  httpHost: string;
  /** `CATALOG_HTTP_PORT` (0 picks a free port). @default 53001 */
  httpPort: number;
  /** `CATALOG_CACHE_TTL_SECONDS`. @default 300 */
  cacheTtlSeconds: number;
  /** `CATALOG_CACHE_PREFIX`: must match the names the invalidation rules produce. @default '' */
  cachePrefix: string;
  /** `CATALOG_CACHE_LEASE_MS`. @default 2000 */
  cacheLeaseMs: number;
  /** `CATALOG_CACHE_LEASE_WAIT_MS`. @default 250 */
  cacheLeaseWaitMs: number;
  /** `CATALOG_REDIS_TIMEOUT_MS`: past it a read goes to Postgres directly. @default 50 */
  redisTimeoutMs: number;
}

/** The environment does not describe a catalog API that can start; lists every problem. */
export class CatalogConfigError extends InvalidatorError {
  constructor(readonly problems: readonly string[]) {
    super('CONFIG_INVALID', `invalid configuration:\n  ${problems.join('\n  ')}`, {
      retriable: false,
    });
  }
}

/** Reads and validates the configuration; throws a {@link CatalogConfigError} naming each variable. */
export function readCatalogConfig(
  env: Readonly<Record<string, string | undefined>>,
): CatalogConfig {
  const problems: string[] = [];
  const value = (name: string): string | undefined => {
    const raw = env[name]?.trim();
    return raw === undefined || raw === '' ? undefined : raw;
  };
  const url = (name: string, protocols: readonly string[]): string => {
    const raw = value(name);
    if (raw === undefined) {
      problems.push(`${name} is not set: expected a ${protocols.join(' or ')}// URL`);
      return '';
    }
    let protocol = '';
    try {
      protocol = new URL(raw).protocol;
    } catch {
      // reported below
    }
    if (!protocols.includes(protocol)) {
      problems.push(`${name}: expected a ${protocols.join(' or ')}// URL`);
    }
    return raw;
  };
  const integer = (name: string, fallback: number, min: number, max: number): number => {
    const raw = value(name);
    if (raw === undefined) return fallback;
    const parsed = Number(raw);
    if (!/^\d+$/.test(raw) || parsed < min || parsed > max) {
      problems.push(`${name}=${raw}: expected an integer from ${min} to ${max}`);
      return fallback;
    }
    return parsed;
  };
  const config: CatalogConfig = {
    databaseUrl: url('CATALOG_DATABASE_URL', ['postgres:', 'postgresql:']),
    databasePoolSize: integer('CATALOG_DATABASE_POOL_SIZE', 10, 1, 1000),
    redisUrl: url('CATALOG_REDIS_URL', ['redis:', 'rediss:']),
    httpHost: value('CATALOG_HTTP_HOST') ?? '127.0.0.1',
    httpPort: integer('CATALOG_HTTP_PORT', 53001, 0, 65535),
    cacheTtlSeconds: integer('CATALOG_CACHE_TTL_SECONDS', 300, 1, 30 * 24 * 3600),
    cachePrefix: value('CATALOG_CACHE_PREFIX') ?? '',
    cacheLeaseMs: integer('CATALOG_CACHE_LEASE_MS', 2000, 1, 600_000),
    cacheLeaseWaitMs: integer('CATALOG_CACHE_LEASE_WAIT_MS', 250, 0, 600_000),
    redisTimeoutMs: integer('CATALOG_REDIS_TIMEOUT_MS', 50, 1, 60_000),
  };
  if (problems.length > 0) throw new CatalogConfigError(problems);
  return config;
}
