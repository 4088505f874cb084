import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeMessage } from '#debezium';
import { compileRules, evaluate } from '#rules';
import { repoRoot } from '#local-pipeline';

/** Result of the rules hot-path micro-benchmark (formerly bench/rules-eval.mjs). */
export interface RulesEvalResult {
  evaluatePerSecond: number;
  decodeEvaluatePerSecond: number;
}

function measure(seconds: number, fn: () => unknown): number {
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
  return Math.round(count / (Number(now - start) / 1e9));
}

/** Decode + evaluate of one Debezium message on the demo rules, in this process (no I/O). */
export function rulesEval(seconds: number): RulesEvalResult {
  const ruleSet = compileRules([
    {
      path: 'rules/catalog.yaml',
      text: readFileSync(join(repoRoot(), 'rules/catalog.yaml'), 'utf8'),
    },
  ]);
  const value = readFileSync(
    join(repoRoot(), 'test/fixtures/debezium/hand-product-update-full.json'),
    'utf8',
  );
  const topic = 'catalog.public.products';
  const event = decodeMessage({ topic, key: null, value });
  return {
    evaluatePerSecond: measure(seconds, () => evaluate(ruleSet, event)),
    decodeEvaluatePerSecond: measure(seconds, () =>
      evaluate(ruleSet, decodeMessage({ topic, key: null, value })),
    ),
  };
}
