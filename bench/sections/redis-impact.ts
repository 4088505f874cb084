import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { LEASE_KEY_LUA, tagSetKeyFor } from '#cache-keys';
import { PatternSweeper, RedisInvalidator } from '#redis-invalidation';
import { pause, repoRoot } from '#local-pipeline';
import { stopChild, track } from '../lib/env.js';
import type { DedicatedRedis } from '../lib/redis-server.js';
import { round } from '../lib/stats.js';

/** What the concurrent reader saw, ms. */
export interface ReaderStats {
  count: number;
  p50: number;
  p99: number;
  p999: number;
  max: number;
  /** GETs that took more than 5 ms. */
  over5ms: number;
}

export interface ImpactScenario {
  name: string;
  /** Wall time of the invalidation, ms. */
  durationMs: number;
  /** Target keys gone afterwards (should be all). */
  removed: number;
  reader: ReaderStats;
  /** Longest single command Redis executed meanwhile (SLOWLOG, threshold 1 ms), ms; 0 if none. */
  longestCommandMs: number;
  longestCommand: string;
  /** Slowest logged command of each name (ms), e.g. `SCAN 1.2, GET 0.9`: tells a slow SCAN from a descheduled server. */
  slowestByCommand: string;
  /** Slowest SCAN or UNLINK Redis logged (≥ 1 ms; 0 if none): the sweep's own commands. */
  slowestSweepCommandMs: number;
  /**
   * Lua scripts Redis ran meanwhile (`INFO commandstats`, EVAL + EVALSHA, after `CONFIG
   * RESETSTAT`): server time per call is the work of one step, whatever the descheduling.
   */
  scripts: { calls: number; usecPerCall: number };
}

export interface ImpactResult {
  totalKeys: number;
  targetKeys: number;
  scenarios: ImpactScenario[];
}

const TAG = 'bench-impact';

// The tag path before bounded steps, kept here as the same-run baseline: every member of the set,
// their leases and the set in ONE script, which blocks Redis for the whole tag.
const ONE_SCRIPT_TAG = `${LEASE_KEY_LUA}
local members = redis.call('SMEMBERS', KEYS[1])
local args = {}
local removed = 0
for _, member in ipairs(members) do
  args[#args + 1] = member
  args[#args + 1] = lease_key_for(member)
  if #args >= 500 then
    removed = removed + redis.call('UNLINK', unpack(args))
    args = {}
  end
end
if #args > 0 then removed = removed + redis.call('UNLINK', unpack(args)) end
redis.call('UNLINK', KEYS[1])
return removed
`;
const TARGET_PATTERN = 'bench:hit:*';

class Reader {
  private constructor(private readonly child: ChildProcess) {}

  static start(port: number, keys: number): Reader {
    const child = track(
      fork(join(repoRoot(), 'dist/bench/bench/lib/reader-child.js'), [String(port), String(keys)], {
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      }),
    );
    return new Reader(child);
  }

  private next<T>(): Promise<T> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error('reader: no answer within 60 s'));
      }, 60_000);
      this.child.once('message', (message) => {
        clearTimeout(timer);
        resolve(message as T);
      });
    });
  }

  async begin(): Promise<void> {
    const answer = this.next<unknown>();
    this.child.send({ cmd: 'start' });
    await answer;
  }

  async end(): Promise<ReaderStats> {
    const answer = this.next<ReaderStats>();
    this.child.send({ cmd: 'stop' });
    const stats = await answer;
    return {
      count: stats.count,
      p50: round(stats.p50, 3),
      p99: round(stats.p99, 3),
      p999: round(stats.p999, 3),
      max: round(stats.max, 3),
      over5ms: stats.over5ms,
    };
  }

  async stop(): Promise<void> {
    this.child.disconnect();
    await stopChild(this.child, 5_000);
  }
}

async function fillTargets(redis: Redis, count: number): Promise<void> {
  let pipeline = redis.pipeline();
  for (let i = 0; i < count; i++) {
    const key = `bench:hit:${i}`;
    pipeline.set(key, 'x'.repeat(16));
    pipeline.sadd(tagSetKeyFor(TAG), key);
    if (pipeline.length >= 10_000) {
      await pipeline.exec();
      pipeline = redis.pipeline();
    }
  }
  if (pipeline.length > 0) await pipeline.exec();
}

async function countTargets(redis: Redis, count: number): Promise<number> {
  let present = 0;
  for (let start = 0; start < count; start += 1000) {
    const batch = Array.from(
      { length: Math.min(1000, count - start) },
      (_, i) => `bench:hit:${start + i}`,
    );
    present += await redis.exists(...batch);
  }
  return present;
}

/** EVAL + EVALSHA calls and their mean server time since the last `CONFIG RESETSTAT`. */
async function scriptStats(redis: Redis): Promise<{ calls: number; usecPerCall: number }> {
  const info = await redis.info('commandstats');
  let calls = 0;
  let usec = 0;
  for (const match of info.matchAll(/^cmdstat_(?:eval|evalsha):calls=(\d+),usec=(\d+)/gm)) {
    calls += Number(match[1]);
    usec += Number(match[2]);
  }
  return { calls, usecPerCall: calls === 0 ? 0 : round(usec / calls, 1) };
}

async function longestCommand(
  redis: Redis,
): Promise<{ ms: number; command: string; byName: string; sweepMs: number }> {
  const entries = (await redis.call('SLOWLOG', 'GET', '128')) as [
    number,
    number,
    number,
    string[],
  ][];
  let ms = 0;
  let command = '';
  const byName = new Map<string, number>();
  for (const [, , micros, args] of entries) {
    const name = (args[0] ?? '?').toUpperCase();
    byName.set(name, Math.max(byName.get(name) ?? 0, micros / 1000));
    if (micros / 1000 > ms) {
      ms = micros / 1000;
      command = args.slice(0, 3).join(' ');
    }
  }
  const summary = [...byName]
    .sort((a, b) => b[1] - a[1])
    .map(([name, slowest]) => `${name} ${round(slowest, 1)}`)
    .join(', ');
  const sweepMs = Math.max(0, byName.get('SCAN') ?? 0, byName.get('UNLINK') ?? 0);
  return { ms: round(ms, 3), command, byName: summary, sweepMs: round(sweepMs, 3) };
}

/**
 * Invalidating `targetKeys` keys among `totalKeys` on a dedicated Redis, by tag, by pattern (the
 * service's SCAN path, paced as configured by default and unpaced) and by KEYS, each while a
 * reader in another process issues GETs in a tight loop.
 */
export async function redisImpact(
  server: DedicatedRedis,
  options: { totalKeys: number; targetKeys: number; log: (line: string) => void },
): Promise<ImpactResult> {
  const { totalKeys, targetKeys, log } = options;
  const redis = server.client('bench-impact');
  const config = { mode: 'standalone' as const, url: server.url, commandTimeoutMs: 600_000 };
  const invalidator = RedisInvalidator.fromConfig(config);
  // The same path with the former default step (100 members), twice the default's.
  const doubleSteps = RedisInvalidator.fromConfig(config, { tags: { scanCount: 100 } });
  const unpacedClient = server.client('bench-impact-unpaced');
  const reader = Reader.start(server.port, totalKeys - targetKeys);
  const scenarios: ImpactScenario[] = [];
  try {
    await redis.flushdb();
    await redis.call('DEBUG', 'POPULATE', String(totalKeys - targetKeys), 'bench:fill', '16');
    await invalidator.waitUntilReady(10_000);
    await doubleSteps.waitUntilReady(10_000);
    await redis.config('SET', 'slowlog-log-slower-than', '1000');
    // Let a long script block (as it would on a fast machine) rather than turn readers away BUSY.
    await redis.config('SET', 'busy-reply-threshold', '600000');
    const measure = async (name: string, invalidate: () => Promise<unknown>) => {
      await fillTargets(redis, targetKeys);
      const size = await redis.dbsize();
      if (size !== totalKeys + 1)
        throw new Error(`dedicated Redis holds ${size} keys, expected ${totalKeys + 1}`);
      await redis.call('SLOWLOG', 'RESET');
      await redis.config('RESETSTAT');
      await reader.begin();
      const started = performance.now();
      await invalidate();
      const durationMs = performance.now() - started;
      const stats = await reader.end();
      const longest = await longestCommand(redis);
      const scripts = await scriptStats(redis);
      const removed = targetKeys - (await countTargets(redis, targetKeys));
      await redis.unlink(tagSetKeyFor(TAG));
      const scenario: ImpactScenario = {
        name,
        durationMs: round(durationMs, 1),
        removed,
        reader: stats,
        longestCommandMs: longest.ms,
        longestCommand: longest.command,
        slowestByCommand: longest.byName,
        slowestSweepCommandMs: longest.sweepMs,
        scripts,
      };
      scenarios.push(scenario);
      log(
        `  ${name}: ${scenario.durationMs} ms, reader p99 ${stats.p99} ms max ${stats.max} ms (${stats.over5ms} GETs > 5 ms), longest command ${longest.ms} ms (${longest.command}; by name: ${longest.byName}); scripts ${scripts.calls} calls, ${scripts.usecPerCall} µs/call in Redis`,
      );
    };
    // Two seconds of reads with nothing else going on: the reader's own noise floor.
    await measure('idle (no invalidation, 2 s)', () => pause(2_000));
    await measure('tag (before: one Lua script for the whole set)', () =>
      redis.eval(ONE_SCRIPT_TAG, 1, tagSetKeyFor(TAG)),
    );
    await measure('tag (service: bounded steps of 50 members, the default)', () =>
      invalidator.apply({ keys: [], tags: [TAG], namespaces: [], patterns: [] }),
    );
    await measure('tag (bounded steps of 100 members, the former default)', () =>
      doubleSteps.apply({ keys: [], tags: [TAG], namespaces: [], patterns: [] }),
    );
    await measure('pattern (service SCAN path, default pacing 20,000 keys/s)', () =>
      invalidator.apply({ keys: [], tags: [], namespaces: [], patterns: [TARGET_PATTERN] }),
    );
    await measure('pattern (SCAN path, pacing off)', () =>
      new PatternSweeper(unpacedClient, { maxScannedKeysPerSecond: Infinity }).sweep([
        TARGET_PATTERN,
      ]),
    );
    await measure('KEYS then UNLINK (for comparison)', async () => {
      const keys = await redis.keys(TARGET_PATTERN);
      for (let i = 0; i < keys.length; i += 1000) await redis.unlink(...keys.slice(i, i + 1000));
    });
  } finally {
    await reader.stop();
    await invalidator.close();
    await doubleSteps.close();
    unpacedClient.disconnect();
    await redis.flushdb().catch(() => undefined);
    redis.disconnect();
  }
  return { totalKeys, targetKeys, scenarios };
}
