import { InvalidatorError } from '#errors';

/** Base of every error the Redis libs throw; `retriable` tells the caller whether to try again. */
export class RedisError extends InvalidatorError {}

/** Redis cannot be reached: connection refused, reset or closed, or no cluster node answers. */
export class RedisUnavailableError extends RedisError {
  constructor(message: string, cause?: unknown) {
    super('REDIS_UNAVAILABLE', message, { retriable: true, cause });
  }
}

/** A command or a connection attempt took longer than its configured timeout. */
export class RedisTimeoutError extends RedisError {
  constructor(message: string, cause?: unknown) {
    super('REDIS_TIMEOUT', message, { retriable: true, cause });
  }
}

/**
 * The server answers but cannot serve now: CLUSTERDOWN, TRYAGAIN, LOADING, MASTERDOWN, BUSY, or a
 * MOVED/ASK the client did not follow during a resharding or failover.
 */
export class RedisNotReadyError extends RedisError {
  constructor(message: string, cause?: unknown) {
    super('REDIS_NOT_READY', message, { retriable: true, cause });
  }
}

/** A key holds another type than the command expects (e.g. a tag set that is not a SET). */
export class RedisWrongTypeError extends RedisError {
  /** The key that holds the wrong type. */
  readonly key: string;

  constructor(key: string, cause?: unknown) {
    super('REDIS_WRONG_TYPE', `${key} is not a Redis SET (WRONGTYPE)`, { retriable: false, cause });
    this.key = key;
  }
}

/**
 * Any other error reply, including the refusals of ACLs and authentication (NOPERM, NOAUTH,
 * WRONGPASS) and a bad configuration: the same call would fail again.
 */
export class RedisCommandError extends RedisError {
  constructor(message: string, cause?: unknown) {
    super('REDIS_COMMAND_FAILED', message, { retriable: false, cause });
  }
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);
const UNAVAILABLE_MESSAGES =
  /Connection is closed|Stream isn't writeable|None of startup nodes|Failed to refresh slots cache|Reached the max retries|Cluster is disconnected|connect ECONN|write EPIPE|read ECONNRESET/i;
const TIMEOUT_MESSAGES = /timed out|ETIMEDOUT|timeout/i;
const NOT_READY_REPLIES =
  /^(?:[A-Z]+ user_script:\d+: )?(CLUSTERDOWN|TRYAGAIN|LOADING|MASTERDOWN|READONLY|MOVED|ASK|BUSY)\b|\b(CLUSTERDOWN|TRYAGAIN|LOADING|MASTERDOWN)\b|same slots allocation group/;
const ACCESS_DENIED_REPLIES = /WRONGPASS|NOAUTH|NOPERM/;

function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  return typeof error.code === 'string' ? error.code : undefined;
}

/**
 * True when Redis refused the credentials or the ACL user's rights (WRONGPASS, NOAUTH, NOPERM):
 * waiting or retrying would not fix the configuration.
 */
export function isAccessDenied(error: unknown): boolean {
  return error instanceof Error && ACCESS_DENIED_REPLIES.test(error.message);
}

/**
 * True when Redis did not know a script's SHA1 (`NOSCRIPT`: a restarted, new or flushed node), here
 * or in a cause: `EVAL` of the source loads it again.
 */
export function isNoScript(error: unknown): boolean {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    if (e.message.startsWith('NOSCRIPT')) return true;
  }
  return false;
}

/**
 * Maps anything ioredis throws to a {@link RedisError}, prefixing the message with `operation`.
 * `key` names the key the operation read, so a WRONGTYPE reply points at it. Already-typed errors
 * pass through unchanged.
 */
export function toRedisError(error: unknown, operation: string, key?: string): RedisError {
  if (error instanceof RedisError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const name = error instanceof Error ? error.name : '';
  const what = `${operation}: ${message}`;
  if (/\bWRONGTYPE\b/.test(message) && key !== undefined) {
    return new RedisWrongTypeError(key, error);
  }
  if (isAccessDenied(error)) return new RedisCommandError(what, error);
  const code = errorCode(error);
  if (code !== undefined && NETWORK_CODES.has(code)) return new RedisUnavailableError(what, error);
  if (name === 'MaxRetriesPerRequestError' || name === 'ClusterAllFailedError') {
    return new RedisUnavailableError(what, error);
  }
  if (NOT_READY_REPLIES.test(message)) return new RedisNotReadyError(what, error);
  if (UNAVAILABLE_MESSAGES.test(message)) return new RedisUnavailableError(what, error);
  if (code === 'ETIMEDOUT' || TIMEOUT_MESSAGES.test(message)) {
    return new RedisTimeoutError(what, error);
  }
  return new RedisCommandError(what, error);
}
