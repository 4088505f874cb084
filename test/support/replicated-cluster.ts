import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { endpoints, repoPath, waitFor } from '#local-pipeline';

/** One line of `CLUSTER NODES`. */
export interface ClusterNode {
  readonly id: string;
  readonly port: number;
  readonly role: 'master' | 'replica';
  readonly failed: boolean;
  /** The master's id, for a replica. */
  readonly masterId: string | null;
  readonly slots: readonly string[];
}

/**
 * The fault tests' own Redis Cluster, three masters with one replica each, run by
 * `deploy/local/redis-cluster.sh` (INVALIDATOR_REDIS_CLUSTER_REPLICAS=1) on six ports from
 * INVALIDATOR_REDIS_FAULTS_CLUSTER_PORT, beside the stack's own three-master cluster.
 */
export class ReplicatedCluster {
  readonly basePort = endpoints.redisFaultsClusterPort;
  readonly ports = Array.from({ length: 6 }, (_, i) => this.basePort + i);

  get nodes(): { host: string; port: number }[] {
    return this.ports.map((port) => ({ host: endpoints.host, port }));
  }

  up(): Promise<void> {
    return this.script('up');
  }

  /** `reset` (down and delete the state): the next `up` forms a fresh cluster. */
  reset(): Promise<void> {
    return this.script('reset');
  }

  /** `CLUSTER NODES` as seen by the node on `port`. */
  async topology(port: number): Promise<ClusterNode[]> {
    const client = new Redis({ port, lazyConnect: true, maxRetriesPerRequest: 0 });
    client.on('error', () => undefined);
    try {
      await client.connect();
      const text = (await client.call('CLUSTER', 'NODES')) as string;
      return text
        .trim()
        .split('\n')
        .map((line) => {
          const [id = '', address = '', flags = '', master = '-', , , , , ...slots] =
            line.split(' ');
          return {
            id,
            port: Number(address.split('@')[0]?.split(':')[1]),
            role: flags.includes('master') ? 'master' : 'replica',
            failed: flags.includes('fail') && !flags.includes('fail?'),
            masterId: master === '-' ? null : master,
            slots,
          };
        });
    } finally {
      client.disconnect();
    }
  }

  /** SIGKILLs the redis-server on `port` (the pid file the script wrote) and waits until gone. */
  async kill(port: number): Promise<void> {
    const dir = join(process.env.INVALIDATOR_STACK_DIR ?? repoPath('.stack'), 'redis-cluster');
    const pid = Number((await readFile(join(dir, String(port), 'redis.pid'), 'utf8')).trim());
    process.kill(pid, 'SIGKILL');
    await waitFor(
      () => {
        try {
          process.kill(pid, 0);
          return false;
        } catch {
          return true;
        }
      },
      { timeoutMs: 10_000, what: `redis-server ${port} gone` },
    );
  }

  /** Waits until a surviving node reports `cluster_state:ok` with `port`'s slots on a new master. */
  async waitFailover(killedPort: number, observerPort: number, timeoutMs = 60_000): Promise<void> {
    await waitFor(
      async () => {
        const nodes = await this.topology(observerPort).catch(() => []);
        const killed = nodes.find((n) => n.port === killedPort);
        const promoted = nodes.some(
          (n) => n.port !== killedPort && n.role === 'master' && !n.failed && n.slots.length > 0,
        );
        return (
          killed?.failed === true &&
          killed.slots.length === 0 &&
          promoted &&
          (await this.ok(observerPort))
        );
      },
      { timeoutMs, intervalMs: 200, what: `failover of the master on ${killedPort}` },
    );
  }

  private async ok(port: number): Promise<boolean> {
    const client = new Redis({ port, lazyConnect: true, maxRetriesPerRequest: 0 });
    client.on('error', () => undefined);
    try {
      await client.connect();
      return ((await client.call('CLUSTER', 'INFO')) as string).includes('cluster_state:ok');
    } finally {
      client.disconnect();
    }
  }

  private script(command: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const child = spawn('bash', [repoPath('deploy', 'local', 'redis-cluster.sh'), command], {
        env: {
          ...process.env,
          INVALIDATOR_REDIS_CLUSTER_PORT: String(this.basePort),
          INVALIDATOR_REDIS_CLUSTER_REPLICAS: '1',
        },
        stdio: ['ignore', 'inherit', 'inherit'],
      });
      child.once('error', reject);
      child.once('exit', (code) => {
        if (code === 0) resolve();
        else reject(new Error(`redis-cluster.sh ${command} exited with ${String(code)}`));
      });
    });
  }
}
