import type { RedisClient } from '#redis';
import { describe, expect, it } from 'vitest';
import { KeyDeleter } from './key-deleter.js';

/**
 * A standalone client whose pipelines record each command's keys: `UNLINK`, or the script that
 * also unlinks each key's lease (answered as if every key and lease existed).
 */
function fakeClient(options: { scriptCached?: boolean } = {}) {
  const commands: { command: string; keys: string[] }[] = [];
  let scriptCached = options.scriptCached ?? true;
  const noScript = () => new Error('NOSCRIPT No matching script.');
  const client = {
    pipeline: () => {
      const queued: { command: string; keys: string[] }[] = [];
      const pipeline = {
        unlink: (...keys: string[]) => {
          queued.push({ command: 'unlink', keys });
          return pipeline;
        },
        evalsha: (_sha: string, count: number, ...keys: string[]) => {
          expect(count).toBe(keys.length);
          queued.push({ command: 'evalsha', keys });
          return pipeline;
        },
        exec: () => {
          if (!scriptCached && queued.some(({ command }) => command === 'evalsha')) {
            return Promise.resolve(queued.map(() => [noScript(), null]));
          }
          commands.push(...queued);
          return Promise.resolve(
            queued.map(({ command, keys }) => [
              null,
              command === 'evalsha' ? keys.length * 2 : keys.length,
            ]),
          );
        },
      };
      return pipeline;
    },
    eval: (_source: string, count: number, ...keys: string[]) => {
      expect(count).toBe(keys.length);
      scriptCached = true;
      commands.push({ command: 'eval', keys });
      return Promise.resolve(keys.length * 2);
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
    // Leases are derived by the script: only the keys are sent, each once.
    expect(commands).toEqual([
      { command: 'evalsha', keys: ['a', 'b'] },
      { command: 'evalsha', keys: ['c'] },
    ]);
    await expect(deleter.unlink(['a', 'a'], false)).resolves.toEqual({ requested: 1, removed: 1 });
    expect(commands.at(-1)).toEqual({ command: 'unlink', keys: ['a'] });
  });

  it('loads the script with EVAL when a node does not know it, and deletes everything', async () => {
    const { client, commands } = fakeClient({ scriptCached: false });
    const deleter = new KeyDeleter(client, { batchSize: 2 });
    await expect(deleter.unlink(['a', 'b', 'c'])).resolves.toEqual({ requested: 3, removed: 6 });
    expect(commands).toEqual([
      { command: 'eval', keys: ['a', 'b'] },
      { command: 'eval', keys: ['c'] },
    ]);
  });

  it('sends nothing for no keys', async () => {
    const { client, commands } = fakeClient();
    await expect(new KeyDeleter(client).unlink([])).resolves.toEqual({ requested: 0, removed: 0 });
    expect(commands).toEqual([]);
  });
});
