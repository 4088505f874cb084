/** Where the local stack's servers listen (all on loopback). */
export interface StackEndpoints {
  /** @default '127.0.0.1' */
  readonly host: string;
  /** The demo catalog database. @default port 55432 (INVALIDATOR_PG_PORT) */
  readonly postgresUrl: string;
  /**
   * The lagging streaming standby (`npm run stack -- replica up`).
   * @default the primary's port + 1 (INVALIDATOR_PG_REPLICA_PORT)
   */
  readonly postgresReplicaUrl: string;
  /** Standalone Redis. @default port 56379 (INVALIDATOR_REDIS_PORT) */
  readonly redisUrl: string;
  readonly redisPort: number;
  /** The three cluster masters. @default ports 57001-57003 (INVALIDATOR_REDIS_CLUSTER_PORT and the next two) */
  readonly redisClusterNodes: readonly { host: string; port: number }[];
  /** @default ['127.0.0.1:59092'] (INVALIDATOR_KAFKA_PORT) */
  readonly kafkaBrokers: readonly string[];
  /** The SASL_PLAINTEXT (SCRAM) listener. @default the broker's port + 4 (INVALIDATOR_KAFKA_SASL_PORT) */
  readonly kafkaSaslBrokers: readonly string[];
  /** Kafka Connect REST. @default port 58083 (INVALIDATOR_CONNECT_PORT) */
  readonly connectUrl: string;
  /**
   * The broker's second listener, advertised as {@link kafkaProxyPort}, for the fault tests.
   * @default the broker's port + 2 (INVALIDATOR_KAFKA_PROXIED_PORT)
   */
  readonly kafkaProxiedPort: number;
  /** Where a fault test's proxy to {@link kafkaProxiedPort} listens. @default the broker's port + 3 (INVALIDATOR_KAFKA_PROXY_PORT) */
  readonly kafkaProxyPort: number;
  /**
   * First of the six ports of the fault tests' Redis Cluster with replicas, beside the stack's
   * three-master one. @default the cluster port + 3 (INVALIDATOR_REDIS_FAULTS_CLUSTER_PORT)
   */
  readonly redisFaultsClusterPort: number;
}

type Env = Readonly<Record<string, string | undefined>>;

/** The port in `env[name]`, or `fallback` when unset or empty; throws on anything but 1-65535. */
export function parsePort(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 65535) {
    throw new Error(`${name}=${raw}: expected a TCP port number (1-65535)`);
  }
  return value;
}

/**
 * The stack's endpoints from the INVALIDATOR_*_PORT variables, with the defaults of
 * deploy/local/common.sh, so every tool finds the stack the scripts started.
 */
export function stackEndpoints(env: Env = process.env): StackEndpoints {
  const host = '127.0.0.1';
  const redisPort = parsePort(env, 'INVALIDATOR_REDIS_PORT', 56379);
  const clusterPort = parsePort(env, 'INVALIDATOR_REDIS_CLUSTER_PORT', 57001);
  const kafkaPort = parsePort(env, 'INVALIDATOR_KAFKA_PORT', 59092);
  const pgPort = parsePort(env, 'INVALIDATOR_PG_PORT', 55432);
  const replicaPort = parsePort(env, 'INVALIDATOR_PG_REPLICA_PORT', pgPort + 1);
  return {
    host,
    postgresUrl: `postgres://invalidator:invalidator@${host}:${pgPort}/catalog`,
    postgresReplicaUrl: `postgres://invalidator:invalidator@${host}:${replicaPort}/catalog`,
    redisUrl: `redis://${host}:${redisPort}`,
    redisPort,
    redisClusterNodes: [0, 1, 2].map((i) => ({ host, port: clusterPort + i })),
    kafkaBrokers: [`${host}:${kafkaPort}`],
    kafkaSaslBrokers: [`${host}:${parsePort(env, 'INVALIDATOR_KAFKA_SASL_PORT', kafkaPort + 4)}`],
    connectUrl: `http://${host}:${parsePort(env, 'INVALIDATOR_CONNECT_PORT', 58083)}`,
    kafkaProxiedPort: parsePort(env, 'INVALIDATOR_KAFKA_PROXIED_PORT', kafkaPort + 2),
    kafkaProxyPort: parsePort(env, 'INVALIDATOR_KAFKA_PROXY_PORT', kafkaPort + 3),
    redisFaultsClusterPort: parsePort(
      env,
      'INVALIDATOR_REDIS_FAULTS_CLUSTER_PORT',
      clusterPort + 3,
    ),
  };
}

/** The endpoints of this process's environment, read once at import. */
export const endpoints: StackEndpoints = stackEndpoints();
