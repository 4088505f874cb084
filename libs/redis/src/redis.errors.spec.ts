import { InvalidatorError } from '#errors';
import { describe, expect, it } from 'vitest';
import {
  isAccessDenied,
  isNoScript,
  RedisCommandError,
  RedisNotReadyError,
  RedisTimeoutError,
  RedisUnavailableError,
  RedisWrongTypeError,
  toRedisError,
} from './redis.errors.js';

function withCode(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

function named(message: string, name: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

describe('toRedisError', () => {
  it.each([
    [withCode('connect ECONNREFUSED 127.0.0.1:1', 'ECONNREFUSED'), RedisUnavailableError],
    [new Error('Connection is closed.'), RedisUnavailableError],
    [
      new Error("Stream isn't writeable and enableOfflineQueue options is false"),
      RedisUnavailableError,
    ],
    [
      named('Reached the max retries per request limit', 'MaxRetriesPerRequestError'),
      RedisUnavailableError,
    ],
    [named('Failed to refresh slots cache.', 'ClusterAllFailedError'), RedisUnavailableError],
    [new Error('Command timed out'), RedisTimeoutError],
    [new Error('CLUSTERDOWN The cluster is down'), RedisNotReadyError],
    [new Error('TRYAGAIN Multiple keys request during rehashing of slot'), RedisNotReadyError],
    [new Error('LOADING Redis is loading the dataset in memory'), RedisNotReadyError],
    [new Error('MOVED 3999 127.0.0.1:6381'), RedisNotReadyError],
    [new Error('ASK 3999 127.0.0.1:6381'), RedisNotReadyError],
    [new Error('BUSY Redis is busy running a script.'), RedisNotReadyError],
    [new Error('NOAUTH Authentication required.'), RedisCommandError],
    [new Error('WRONGPASS invalid username-password pair or user is disabled.'), RedisCommandError],
    [
      new Error("NOPERM this user has no permissions to run the 'flushall' command"),
      RedisCommandError,
    ],
    [
      new Error("NOPERM No permissions to access a key used as 'timeout' by a script"),
      RedisCommandError,
    ],
    [new Error('ERR unknown command'), RedisCommandError],
  ])('classifies %s', (error, type) => {
    const translated = toRedisError(error, 'UNLINK');
    expect(translated).toBeInstanceOf(type);
    expect(translated).toBeInstanceOf(InvalidatorError);
    expect(translated.cause).toBe(error);
    expect(translated.retriable).toBe(type !== RedisCommandError);
  });

  it('names the tag key on WRONGTYPE, even from inside a script, and is not retriable', () => {
    const reply = new Error(
      'WRONGTYPE Operation against a key holding the wrong kind of value script: abc, on @user_script:3.',
    );
    const translated = toRedisError(reply, 'tag', '__tag:t');
    expect(translated).toBeInstanceOf(RedisWrongTypeError);
    expect(translated.code).toBe('REDIS_WRONG_TYPE');
    expect(translated.retriable).toBe(false);
    expect(translated.message).toContain('__tag:t');
  });

  it('tells ACL and authentication refusals apart from other failures', () => {
    expect(isAccessDenied(new Error('NOPERM this user has no permissions'))).toBe(true);
    expect(isAccessDenied(new Error('WRONGPASS invalid username-password pair'))).toBe(true);
    expect(isAccessDenied(new Error('NOAUTH Authentication required.'))).toBe(true);
    expect(isAccessDenied(new Error('Connection is closed.'))).toBe(false);
    expect(isAccessDenied('NOPERM as text')).toBe(false);
  });

  it('passes typed errors through unchanged', () => {
    const typed = new RedisTimeoutError('slow');
    expect(toRedisError(typed, 'x')).toBe(typed);
  });
});

describe('isNoScript', () => {
  it('finds a NOSCRIPT reply itself or as the cause of a typed error, and nothing else', () => {
    const reply = new Error('NOSCRIPT No matching script. Please use EVAL.');
    expect(isNoScript(reply)).toBe(true);
    expect(isNoScript(toRedisError(reply, 'UNLINK'))).toBe(true);
    expect(isNoScript(new Error('ERR unknown command'))).toBe(false);
    expect(isNoScript(new Error('UNLINK: a key named NOSCRIPT'))).toBe(false);
    expect(isNoScript('NOSCRIPT')).toBe(false);
  });
});
