/**
 * Where the local stack's servers listen. The stack script (deploy/local/stack.sh) reads the same
 * variables with the same defaults, so tests and stack always agree.
 */
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
  redisClusterNodes: [0, 1, 2].map((i) => ({
    host,
    port: port('INVALIDATOR_REDIS_CLUSTER_PORT', 57001) + i,
  })),
  kafkaBrokers: [`${host}:${port('INVALIDATOR_KAFKA_PORT', 59092)}`],
  connectUrl: `http://${host}:${port('INVALIDATOR_CONNECT_PORT', 58083)}`,
} as const;
