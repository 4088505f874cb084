import { loadRules } from '#rules';
import {
  parseRedisNode,
  RedisClientFactory,
  type RedisConnectionConfig,
  type RedisNode,
} from '#redis';
import { KeySampler } from '#redis-invalidation';
import type { CliDeps } from './cli-deps.js';
import { optional, positiveInteger, required, type Values } from './cli-options-parser.js';
import { coverageReport } from './coverage-report.js';
import { UsageError } from './cli.errors.js';

const DEFAULT_SAMPLE = 10_000;

/**
 * `coverage --rules <path> --redis-url <url> | --redis-cluster-nodes <h:p,...> [--sample <n>]
 * [--match <glob>]`: samples the live keyspace with paced SCANs and prints which key families the
 * rules cover. Exit 0 when every sampled family is covered, 1 when some are not.
 */
export async function coverageCommand(values: Values, deps: CliDeps): Promise<number> {
  const rulesPath = required(values, 'rules');
  const connection = connectionOf(values);
  const limit = positiveInteger(values, 'sample', DEFAULT_SAMPLE);
  const match = optional(values, 'match') ?? '*';
  const ruleSet = await loadRules(rulesPath);
  const factory = new RedisClientFactory({ ...connection, connectionName: 'invalidator-coverage' });
  const client = factory.create();
  try {
    const sampled = await new KeySampler(client).sample({ limit, match });
    const report = coverageReport(ruleSet, sampled);
    deps.stdout(`${JSON.stringify(report)}\n`);
    return report.uncovered === 0 ? 0 : 1;
  } finally {
    await factory.close(client);
  }
}

function connectionOf(values: Values): RedisConnectionConfig {
  const url = optional(values, 'redis-url');
  const nodes = optional(values, 'redis-cluster-nodes');
  if ((url === undefined) === (nodes === undefined)) {
    throw new UsageError('exactly one of --redis-url and --redis-cluster-nodes is required');
  }
  if (url !== undefined) return { mode: 'standalone', url };
  return { mode: 'cluster', nodes: (nodes ?? '').split(',').map(parseNode) };
}

function parseNode(text: string): RedisNode {
  const node = parseRedisNode(text);
  if (node === undefined) {
    throw new UsageError(`--redis-cluster-nodes: expected host:port, not "${text}"`);
  }
  return node;
}
