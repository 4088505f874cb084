// The concurrent reader of the Redis impact section, in a process of its own so that the
// invalidation running in the harness never delays its event loop: GETs in a tight loop (each
// awaited) on random filler keys, each latency counted in a preallocated histogram (10 µs
// buckets, no allocation per sample, so the reader's own GC stays out of the figures).
import { Redis } from 'ioredis';

interface Command {
  cmd: 'start' | 'stop';
}

const port = Number(process.argv[2]);
const keys = Number(process.argv[3]);
const BUCKET_MS = 0.01;
const BUCKETS = 200_000; // up to 2 s; slower GETs land in the last bucket (max is exact)
const MAX_MS = 900_000;
const redis = new Redis(port, '127.0.0.1', { connectionName: 'bench-reader' });
redis.on('error', () => undefined);
const histogram = new Uint32Array(BUCKETS);
let running = false;
let loop: Promise<{ count: number; max: number; over5: number }> = Promise.resolve({
  count: 0,
  max: 0,
  over5: 0,
});

async function read(): Promise<{ count: number; max: number; over5: number }> {
  histogram.fill(0);
  let count = 0;
  let max = 0;
  let over5 = 0;
  const deadline = performance.now() + MAX_MS;
  while (running) {
    const key = `bench:fill:${Math.floor(Math.random() * keys)}`;
    const started = performance.now();
    let served = true;
    try {
      await redis.get(key);
    } catch {
      // e.g. BUSY while a long script runs: a read that was not served counts as the slowest.
      served = false;
    }
    const now = performance.now();
    const ms = served ? now - started : MAX_MS;
    const bucket = Math.min(BUCKETS - 1, Math.floor(ms / BUCKET_MS));
    histogram[bucket] = (histogram[bucket] ?? 0) + 1;
    count++;
    if (ms > max) max = ms;
    if (ms > 5) over5++;
    if (now > deadline) break;
  }
  return { count, max, over5 };
}

function quantile(count: number, q: number): number {
  const rank = Math.max(1, Math.ceil(q * count));
  let seen = 0;
  for (let i = 0; i < BUCKETS; i++) {
    seen += histogram[i] ?? 0;
    if (seen >= rank) return (i + 1) * BUCKET_MS;
  }
  return BUCKETS * BUCKET_MS;
}

process.on('message', (message: Command) => {
  if (message.cmd === 'start' && !running) {
    running = true;
    loop = read();
    process.send?.({ started: true });
  } else if (message.cmd === 'stop') {
    running = false;
    void loop.then(({ count, max, over5 }) => {
      process.send?.({
        count,
        p50: quantile(count, 0.5),
        p99: quantile(count, 0.99),
        p999: quantile(count, 0.999),
        max,
        over5ms: over5,
      });
    });
  }
});
process.on('disconnect', () => {
  redis.disconnect();
  process.exit(0);
});
