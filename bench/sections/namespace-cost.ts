import { CacheClient } from '#cache-client';
import { RedisInvalidator } from '#redis-invalidation';
import type { DedicatedRedis } from '../lib/redis-server.js';
import { round } from '../lib/stats.js';

/** Cache-client reads per second on hits, one way of naming the keys. */
export interface ReadRate {
  name: string;
  readsPerSecond: number;
  /** Reads per second relative to the same run's reads without a namespace. */
  ratio: number;
}

/** One namespace invalidation of a family of `familySize` keys. */
export interface BumpCost {
  familySize: number;
  durationMs: number;
  /** Commands Redis executed for it (INFO commandstats, all commands): 1 is one INCR. */
  commands: number;
}

export interface NamespaceCostResult {
  reads: ReadRate[];
  bumps: BumpCost[];
}

const KEYS = 1_000;
const CONCURRENCY = 32;

/**
 * The namespace's costs on a dedicated Redis, same run: cache-client hits per second without a
 * namespace, with one (generation cached 1 s, the default) and with one read on every get
 * (`namespaceCacheMs: 0`); and the commands one namespace invalidation costs per family size.
 */
export async function namespaceCost(
  server: DedicatedRedis,
  options: { seconds: number; familySizes: readonly number[]; log: (line: string) => void },
): Promise<NamespaceCostResult> {
  const redis = server.client('bench-namespace');
  const invalidator = RedisInvalidator.fromConfig({ mode: 'standalone', url: server.url });
  try {
    await redis.flushdb();
    await invalidator.waitUntilReady(10_000);
    const variants: [string, string | undefined, number][] = [
      ['no namespace', undefined, 1000],
      ['namespace, generation cached 1 s (default)', 'ns', 1000],
      ['namespace, generation read on every get', 'ns', 0],
    ];
    const rates: { name: string; readsPerSecond: number }[] = [];
    for (const [name, namespace, namespaceCacheMs] of variants) {
      const client = CacheClient.forRedis(redis, { namespaceCacheMs, redisTimeoutMs: 5_000 });
      const readsPerSecond = await hitRate(client, namespace, options.seconds);
      await client.idle();
      rates.push({ name, readsPerSecond });
      options.log(`  ${name}: ${readsPerSecond} hits/s`);
    }
    const base = rates[0]?.readsPerSecond ?? 1;
    const reads = rates.map((r) => ({ ...r, ratio: round(r.readsPerSecond / base, 3) }));
    const bumps: BumpCost[] = [];
    for (const familySize of options.familySizes) {
      const bump = await bumpCost(redis, invalidator, familySize);
      bumps.push(bump);
      options.log(
        `  bump of a ${familySize}-key family: ${bump.durationMs} ms, ${bump.commands} command(s)`,
      );
    }
    return { reads, bumps };
  } finally {
    await invalidator.close();
    await redis.flushdb().catch(() => undefined);
    redis.disconnect();
  }
}

/** Hits per second over `seconds`, CONCURRENCY loops of `get` on KEYS pre-filled keys. */
async function hitRate(
  client: CacheClient,
  namespace: string | undefined,
  seconds: number,
): Promise<number> {
  const options = namespace === undefined ? {} : { namespace };
  for (let i = 0; i < KEYS; i++) await client.get(`k:${i}`, () => Promise.resolve(i), options);
  await client.idle();
  const deadline = performance.now() + seconds * 1000;
  let reads = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async (_, loop) => {
      for (let i = loop; performance.now() < deadline; i += CONCURRENCY) {
        await client.get(`k:${i % KEYS}`, () => Promise.resolve(-1), options);
        reads++;
      }
    }),
  );
  return Math.round(reads / ((performance.now() - started) / 1000));
}

async function bumpCost(
  redis: ReturnType<DedicatedRedis['client']>,
  invalidator: RedisInvalidator,
  familySize: number,
): Promise<BumpCost> {
  const namespace = `family${familySize}`;
  await redis.call('DEBUG', 'POPULATE', String(familySize), `${namespace}:g0:k`, '16');
  const before = await totalCommands(redis);
  const started = performance.now();
  await invalidator.apply({ keys: [], tags: [], namespaces: [namespace], patterns: [] });
  const durationMs = round(performance.now() - started, 2);
  // Minus the INFO call that reads the count itself.
  const commands = (await totalCommands(redis)) - before - 1;
  return { familySize, durationMs, commands };
}

async function totalCommands(redis: ReturnType<DedicatedRedis['client']>): Promise<number> {
  const info = await redis.info('stats');
  return Number(/^total_commands_processed:(\d+)/m.exec(info)?.[1] ?? 0);
}
