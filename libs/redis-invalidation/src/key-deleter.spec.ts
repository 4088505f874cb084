import type { RedisClient } from '#redis';
import { describe, expect, it } from 'vitest';
import { KeyDeleter } from './key-deleter.js';

/** A standalone client whose pipelines record each UNLINK and answer its argument count. */
function fakeClient() {
  const commands: string[][] = [];
  const client = {
    pipeline: () => {
      const queued: string[][] = [];
      const pipeline = {
        unlink: (...keys: string[]) => {
          queued.push(keys);
          return pipeline;
        },
        exec: () => {
          commands.push(...queued);
          return Promise.resolve(queued.map((keys) => [null, keys.length]));
        },
      };
      return pipeline;
    },
  } as unknown as RedisClient;
  return { client, commands };
}

describe('KeyDeleter', () => {
  it('counts each distinct key once, with or without its lease', async () => {
    const { client, commands } = fakeClient();
    const deleter = new KeyDeleter(client, { batchSize: 2 });
    await expect(deleter.unlink(['a', 'b', 'a', 'c'])).resolves.toEqual({
      requested: 3,
      removed: 6,
    });
    expect(commands.flat().filter((key) => ['a', 'b', 'c'].includes(key))).toEqual(['a', 'b', 'c']);
    await expect(deleter.unlink(['a', 'a'], false)).resolves.toEqual({ requested: 1, removed: 1 });
  });

  it('sends nothing for no keys', async () => {
    const { client, commands } = fakeClient();
    await expect(new KeyDeleter(client).unlink([])).resolves.toEqual({ requested: 0, removed: 0 });
    expect(commands).toEqual([]);
  });
});
