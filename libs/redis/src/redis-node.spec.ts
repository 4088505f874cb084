import { describe, expect, it } from 'vitest';
import { parseRedisNode } from './redis-node.js';

describe('parseRedisNode', () => {
  it('reads host and port, trimming spaces', () => {
    expect(parseRedisNode(' 127.0.0.1:7001 ')).toEqual({ host: '127.0.0.1', port: 7001 });
    expect(parseRedisNode('cache-0.cache:6379')).toEqual({ host: 'cache-0.cache', port: 6379 });
  });

  it.each(['127.0.0.1', ':6379', 'h:0', 'h:65536', 'h:port', ''])('rejects %j', (text) => {
    expect(parseRedisNode(text)).toBeUndefined();
  });
});
