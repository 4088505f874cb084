import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// Same variables and defaults as deploy/local/stack.sh, so the audit finds the running stack.
function port(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 65535) {
    throw new Error(`${name}=${raw}: expected a TCP port number (1-65535)`);
  }
  return value;
}

const host = '127.0.0.1';

export const endpoints = {
  postgresUrl: `postgres://invalidator:invalidator@${host}:${port('INVALIDATOR_PG_PORT', 55432)}/catalog`,
  redisUrl: `redis://${host}:${port('INVALIDATOR_REDIS_PORT', 56379)}`,
  kafkaBrokers: [`${host}:${port('INVALIDATOR_KAFKA_PORT', 59092)}`],
  connectUrl: `http://${host}:${port('INVALIDATOR_CONNECT_PORT', 58083)}`,
} as const;

/**
 * The repository root: the audit runs from source (tests) and from dist/, so it walks up to the
 * directory holding rules/catalog.yaml instead of counting levels.
 */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let depth = 0; depth < 8; depth += 1) {
    if (existsSync(join(dir, 'rules', 'catalog.yaml')) && existsSync(join(dir, 'package.json'))) {
      return dir;
    }
    dir = dirname(dir);
  }
  throw new Error('repository root (with rules/catalog.yaml) not found above the audit');
}
