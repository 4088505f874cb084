// Micro-benchmark of the rules hot path: decode + evaluate one Debezium message.
// Run after `npm run build`: node bench/rules-eval.mjs [seconds] (#rules resolves to dist/ in node)
import { readFileSync } from 'node:fs';
import process from 'node:process';
import { decodeMessage } from '#debezium';
import { compileRules, evaluate } from '#rules';

const root = new URL('../', import.meta.url);
const ruleSet = compileRules([
  { path: 'rules/catalog.yaml', text: readFileSync(new URL('rules/catalog.yaml', root), 'utf8') },
]);
const value = readFileSync(
  new URL('test/fixtures/debezium/hand-product-update-full.json', root),
  'utf8',
);
const topic = 'catalog.public.products';
const seconds = Number(process.argv[2] ?? 3);

function measure(label, fn) {
  for (let i = 0; i < 20_000; i++) fn(); // warm up the JIT
  let count = 0;
  const start = process.hrtime.bigint();
  const end = start + BigInt(Math.round(seconds * 1e9));
  let now = start;
  while (now < end) {
    for (let i = 0; i < 1000; i++) fn();
    count += 1000;
    now = process.hrtime.bigint();
  }
  const perSecond = Math.round(count / (Number(now - start) / 1e9));
  process.stdout.write(`${label}: ${perSecond.toLocaleString('en-US')} ops/s\n`);
}

const event = decodeMessage({ topic, key: null, value });
measure('evaluate (decoded product.updated, demo rules)', () => evaluate(ruleSet, event));
measure('decode + evaluate (raw JSON message)', () =>
  evaluate(ruleSet, decodeMessage({ topic, key: null, value })),
);
