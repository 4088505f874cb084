import { describe, expect, it } from 'vitest';
import { redisOptionsFromUrl } from './redis-options-from-url.js';
import { RedisCommandError } from './redis.errors.js';

describe('redisOptionsFromUrl', () => {
  it('reads host, port and database', () => {
    expect(redisOptionsFromUrl('redis://127.0.0.1:56379/2')).toEqual({
      host: '127.0.0.1',
      port: 56379,
      db: 2,
    });
  });

  it('defaults the port and database, and reads AUTH user and password (decoded)', () => {
    expect(redisOptionsFromUrl('redis://app:p%40ss@cache.local')).toEqual({
      host: 'cache.local',
      port: 6379,
      db: 0,
      username: 'app',
      password: 'p@ss',
    });
  });

  it('turns on TLS for rediss:// and unwraps IPv6 hosts', () => {
    expect(redisOptionsFromUrl('rediss://:secret@[::1]:6380')).toMatchObject({
      host: '::1',
      port: 6380,
      password: 'secret',
      tls: {},
    });
  });

  it.each(['http://x', 'not a url', 'redis://h/abc'])('rejects %s', (url) => {
    expect(() => redisOptionsFromUrl(url)).toThrow(RedisCommandError);
  });
});
