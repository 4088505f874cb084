import { InvalidatorError } from '#errors';

/** Base of every error this lib throws; `retriable` tells the caller whether to try again. */
export class RedisInvalidationError extends InvalidatorError {}

/** Redis cannot be reached: connection refused, reset or closed, or no cluster node answers. */
export class RedisUnavailableError extends RedisInvalidationError {
  constructor(message: string, cause?: unknown) {
    super('REDIS_UNAVAILABLE', message, { retriable: true, cause });
  }
}

/** A command or a connection attempt took longer than its configured timeout. */
export class RedisTimeoutError extends RedisInvalidationError {
  constructor(message: string, cause?: unknown) {
    super('REDIS_TIMEOUT', message, { retriable: true, cause });
  }
}

/** The server answers but cannot serve now: CLUSTERDOWN, TRYAGAIN, LOADING, MASTERDOWN, a resharding. */
export class RedisNotReadyError extends RedisInvalidationError {
  constructor(message: string, cause?: unknown) {
    super('REDIS_NOT_READY', message, { retriable: true, cause });
  }
}

/** A tag set key holds something other than a SET: retrying cannot help; the key is named. */
export class RedisWrongTypeError extends RedisInvalidationError {
  /** The key that holds the wrong type. */
  readonly key: string;

  constructor(key: string, cause?: unknown) {
    super('REDIS_WRONG_TYPE', `${key} is not a Redis SET (WRONGTYPE)`, { retriable: false, cause });
    this.key = key;
  }
}

/** Any other error reply (NOAUTH, NOPERM, a bad configuration...): the same call would fail again. */
export class RedisCommandError extends RedisInvalidationError {
  constructor(message: string, cause?: unknown) {
    super('REDIS_COMMAND_FAILED', message, { retriable: false, cause });
  }
}

/** A pattern sweep was stopped by its caller (shutdown): the sweep is incomplete, not failed. */
export class RedisSweepAbortedError extends RedisInvalidationError {
  constructor(match: string) {
    super('REDIS_SWEEP_ABORTED', `sweep of ${match} stopped before it finished`, {
      retriable: false,
    });
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

function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  return typeof error.code === 'string' ? error.code : undefined;
}

/**
 * Maps anything ioredis throws to a {@link RedisInvalidationError}. `tagKey` names the tag set the
 * operation read, so a WRONGTYPE reply points at it. Already-typed errors pass through.
 */
export function toRedisInvalidationError(
  error: unknown,
  operation: string,
  tagKey?: string,
): RedisInvalidationError {
  if (error instanceof RedisInvalidationError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const name = error instanceof Error ? error.name : '';
  const what = `${operation}: ${message}`;
  if (/\bWRONGTYPE\b/.test(message) && tagKey !== undefined) {
    return new RedisWrongTypeError(tagKey, error);
  }
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
