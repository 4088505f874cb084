// Burst of 10,000 product updates through the whole pipeline, measured from the running
// service's own metrics: events/s from commit to the last Redis acknowledgement, and the
// commit-to-delete lag percentiles (invalidator_invalidation_lag_seconds).
//
//   npm start                          # in one terminal: stack + service on the demo rules
//   node bench/service-burst.mjs       # in another; --rows N (default 10000), --batches B (default 1)
import { parseArgs } from 'node:util';
import pg from 'pg';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '10000' },
    batches: { type: 'string', default: '1' },
    metrics: {
      type: 'string',
      default: `http://127.0.0.1:${process.env.INVALIDATOR_HTTP_PORT ?? 53000}/metrics`,
    },
    'database-url': {
      type: 'string',
      default: `postgres://invalidator:invalidator@127.0.0.1:${process.env.INVALIDATOR_PG_PORT ?? 55432}/catalog`,
    },
    'timeout-s': { type: 'string', default: '300' },
  },
});
const rows = Number(values.rows);
const batches = Number(values.batches);
const firstId = 1_000_000;

async function scrape() {
  const text = await (await fetch(values.metrics)).text();
  let events = 0;
  const buckets = new Map();
  let count = 0;
  for (const line of text.split('\n')) {
    const event =
      /^invalidator_events_total\{entity="product",op="updated",outcome="invalidated",reason=""\} (\d+)/.exec(
        line,
      );
    if (event) events = Number(event[1]);
    const bucket = /^invalidator_invalidation_lag_seconds_bucket\{le="([^"]+)"\} (\d+)/.exec(line);
    if (bucket) buckets.set(bucket[1] === '+Inf' ? Infinity : Number(bucket[1]), Number(bucket[2]));
    const total = /^invalidator_invalidation_lag_seconds_count (\d+)/.exec(line);
    if (total) count = Number(total[1]);
  }
  return { events, buckets, count };
}

// Percentile from cumulative histogram deltas, interpolated linearly inside the bucket.
function percentile(before, after, q) {
  const bounds = [...after.buckets.keys()].sort((a, b) => a - b);
  const total = after.count - before.count;
  const rank = q * total;
  let previousBound = 0;
  let previousCount = 0;
  for (const bound of bounds) {
    const cumulative = after.buckets.get(bound) - (before.buckets.get(bound) ?? 0);
    if (cumulative >= rank) {
      if (bound === Infinity) return `> ${previousBound}`;
      const share =
        cumulative === previousCount ? 1 : (rank - previousCount) / (cumulative - previousCount);
      return (previousBound + share * (bound - previousBound)).toFixed(3);
    }
    previousBound = bound;
    previousCount = cumulative;
  }
  return 'n/a';
}

const db = new pg.Client({ connectionString: values['database-url'] });
await db.connect();
await db.query(
  `INSERT INTO products (id, name, price, category_id, brand_id)
   SELECT g, 'Burst product ' || g, 10, CASE WHEN g % 2 = 0 THEN 5 ELSE 7 END, 1 + g % 3
   FROM generate_series($1::bigint, $2::bigint) AS g ON CONFLICT (id) DO NOTHING`,
  [firstId, firstId + rows - 1],
);
// Let the inserts' own events drain before measuring.
const settle = Date.now() + Number(values['timeout-s']) * 1000;
let previous = -1;
for (;;) {
  const { count } = await scrape();
  if (count === previous) break;
  if (Date.now() > settle) throw new Error('service did not settle');
  previous = count;
  await new Promise((resolve) => setTimeout(resolve, 2000));
}
const before = await scrape();
const perBatch = Math.ceil(rows / batches);
const started = Date.now();
for (let b = 0; b < batches; b += 1) {
  const from = firstId + b * perBatch;
  await db.query('UPDATE products SET price = price + 1 WHERE id BETWEEN $1 AND $2', [
    from,
    Math.min(from + perBatch, firstId + rows) - 1,
  ]);
}
const committed = Date.now();
let after = before;
while (after.events - before.events < rows) {
  if (Date.now() > settle + Number(values['timeout-s']) * 1000)
    throw new Error(`only ${after.events - before.events} of ${rows} events seen`);
  await new Promise((resolve) => setTimeout(resolve, 100));
  after = await scrape();
}
const done = Date.now();
await db.end();
const seconds = (done - committed) / 1000;
console.log(
  JSON.stringify(
    {
      rows,
      batches,
      updateStatementsMs: committed - started,
      commitToLastAckSeconds: seconds,
      eventsPerSecond: Math.round(rows / seconds),
      lagSecondsP50: percentile(before, after, 0.5),
      lagSecondsP99: percentile(before, after, 0.99),
      lagObservations: after.count - before.count,
    },
    null,
    2,
  ),
);
