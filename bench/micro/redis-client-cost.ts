// What the Redis side of invalidation costs the service's process, apart from everything else:
// tag steps and key deletes as the service sends them (chunks of 340 events, one tag and three
// keys each), client CPU per event (best of 15 passes) and Redis time per call (INFO
// commandstats, reset before each part). Needs the stack (`npm run stack -- up`) and a build.
//   node dist/bench/bench/micro/redis-client-cost.js
import { Redis } from 'ioredis';
import { RedisInvalidator } from '#redis-invalidation';
import { endpoints } from '#local-pipeline';

const EVENTS = 20_000;
const CHUNK = 340;
const PASSES = 15;

type Part = 'tags' | 'keys';

function chunksOf(part: Part): string[][] {
  const chunks: string[][] = [];
  const perEvent = part === 'tags' ? 1 : 3;
  for (let start = 0; start < EVENTS; start += CHUNK) {
    const names: string[] = [];
    for (let i = 0; i < CHUNK * perEvent; i += 1) {
      names.push(`micro:product:${(((start * perEvent + i) * 7919) % 150_000).toString()}`);
    }
    chunks.push(names);
  }
  return chunks;
}

async function measure(client: Redis, invalidator: RedisInvalidator, part: Part): Promise<string> {
  const chunks = chunksOf(part);
  await client.config('RESETSTAT');
  let best = Infinity;
  for (let pass = 0; pass < PASSES; pass += 1) {
    const started = process.cpuUsage();
    for (const names of chunks) {
      await invalidator.apply({
        keys: part === 'keys' ? names : [],
        tags: part === 'tags' ? names : [],
        namespaces: [],
        patterns: [],
      });
    }
    const used = process.cpuUsage(started);
    best = Math.min(best, (used.user + used.system) / EVENTS);
  }
  const stats = await client.info('commandstats');
  const command = part === 'tags' ? 'evalsha' : 'unlink';
  const perCall = new RegExp(`^cmdstat_${command}:.*usec_per_call=([\\d.]+)`, 'm').exec(stats)?.[1];
  return `${part}: client CPU ${best.toFixed(2)} µs/event (best of ${PASSES.toString()}), Redis ${command} ${perCall ?? '?'} µs/call`;
}

async function main(): Promise<void> {
  const url = new URL(endpoints.redisUrl);
  const client = new Redis({ host: url.hostname, port: Number(url.port) });
  const invalidator = new RedisInvalidator(client);
  await invalidator.waitUntilReady();
  for (const part of ['tags', 'keys'] as const)
    console.log(await measure(client, invalidator, part));
  client.disconnect();
}

await main();
