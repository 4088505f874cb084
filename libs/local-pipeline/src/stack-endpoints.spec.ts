import { describe, expect, it } from 'vitest';
import { parsePort, stackEndpoints } from './stack-endpoints.js';

describe('stackEndpoints', () => {
  it('uses the defaults of deploy/local/common.sh when nothing is set', () => {
    expect(stackEndpoints({})).toEqual({
      host: '127.0.0.1',
      postgresUrl: 'postgres://invalidator:invalidator@127.0.0.1:55432/catalog',
      postgresReplicaUrl: 'postgres://invalidator:invalidator@127.0.0.1:55433/catalog',
      redisUrl: 'redis://127.0.0.1:56379',
      redisPort: 56379,
      redisClusterNodes: [
        { host: '127.0.0.1', port: 57001 },
        { host: '127.0.0.1', port: 57002 },
        { host: '127.0.0.1', port: 57003 },
      ],
      kafkaBrokers: ['127.0.0.1:59092'],
      kafkaSaslBrokers: ['127.0.0.1:59096'],
      connectUrl: 'http://127.0.0.1:58083',
      kafkaProxiedPort: 59094,
      kafkaProxyPort: 59095,
      redisFaultsClusterPort: 57004,
    });
  });

  it('reads every port variable, empty meaning unset', () => {
    const found = stackEndpoints({
      INVALIDATOR_PG_PORT: '5432',
      INVALIDATOR_REDIS_PORT: '6379',
      INVALIDATOR_REDIS_CLUSTER_PORT: '7000',
      INVALIDATOR_KAFKA_PORT: '',
      INVALIDATOR_CONNECT_PORT: '8083',
      INVALIDATOR_KAFKA_PROXIED_PORT: '9094',
      INVALIDATOR_KAFKA_PROXY_PORT: '9095',
      INVALIDATOR_REDIS_FAULTS_CLUSTER_PORT: '7100',
      INVALIDATOR_KAFKA_SASL_PORT: '9096',
    });
    expect(found.postgresUrl).toBe('postgres://invalidator:invalidator@127.0.0.1:5432/catalog');
    expect(found.redisUrl).toBe('redis://127.0.0.1:6379');
    expect(found.postgresReplicaUrl).toBe(
      'postgres://invalidator:invalidator@127.0.0.1:5433/catalog',
    );
    expect(stackEndpoints({ INVALIDATOR_PG_REPLICA_PORT: '6000' }).postgresReplicaUrl).toBe(
      'postgres://invalidator:invalidator@127.0.0.1:6000/catalog',
    );
    expect(found.redisClusterNodes.map((n) => n.port)).toEqual([7000, 7001, 7002]);
    expect(found.kafkaBrokers).toEqual(['127.0.0.1:59092']);
    expect(found.connectUrl).toBe('http://127.0.0.1:8083');
    expect([found.kafkaProxiedPort, found.kafkaProxyPort, found.redisFaultsClusterPort]).toEqual([
      9094, 9095, 7100,
    ]);
    expect(found.kafkaSaslBrokers).toEqual(['127.0.0.1:9096']);
  });

  it('derives the fault-test ports from the broker and cluster ports when unset', () => {
    const found = stackEndpoints({
      INVALIDATOR_KAFKA_PORT: '59152',
      INVALIDATOR_REDIS_CLUSTER_PORT: '57061',
    });
    expect([found.kafkaProxiedPort, found.kafkaProxyPort, found.redisFaultsClusterPort]).toEqual([
      59154, 59155, 57064,
    ]);
  });
});

describe('parsePort', () => {
  it.each(['0', '65536', '12.5', 'abc', '-1'])('rejects %s, naming the variable', (raw) => {
    expect(() => parsePort({ X_PORT: raw }, 'X_PORT', 1)).toThrow(
      `X_PORT=${raw}: expected a TCP port number (1-65535)`,
    );
  });

  it('accepts the bounds', () => {
    expect(parsePort({ P: '1' }, 'P', 9)).toBe(1);
    expect(parsePort({ P: '65535' }, 'P', 9)).toBe(65535);
  });
});
