import { spawn, type ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { freePort, waitFor } from '#local-pipeline';
import { stopChild, track } from './env.js';

/**
 * A redis-server of the harness's own on a free loopback port, without persistence, so that
 * filling it with a million keys or turning keyspace notifications on never touches the shared
 * one. Killed by {@link stop} (and by the harness's exit handler).
 */
export class DedicatedRedis {
  private constructor(
    readonly child: ChildProcess,
    readonly port: number,
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  static async start(): Promise<DedicatedRedis> {
    const port = await freePort();
    const child = track(
      spawn(
        'redis-server',
        [
          '--port',
          String(port),
          '--bind',
          '127.0.0.1',
          '--save',
          '',
          '--appendonly',
          'no',
          '--enable-debug-command',
          'local',
          '--notify-keyspace-events',
          'Eg',
          '--loglevel',
          'warning',
        ],
        { stdio: ['ignore', 'ignore', 'pipe'] },
      ),
    );
    const server = new DedicatedRedis(child, port);
    const probe = new Redis(port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0 });
    probe.on('error', () => undefined);
    try {
      await waitFor(
        async () => {
          if (child.exitCode !== null)
            throw new Error(`redis-server exited with ${child.exitCode}`);
          if (probe.status !== 'ready') await probe.connect().catch(() => undefined);
          await probe.ping();
          return true;
        },
        { what: `redis-server on ${port}`, timeoutMs: 15_000, intervalMs: 50 },
      );
    } catch (error) {
      await server.stop();
      throw error;
    } finally {
      probe.disconnect();
    }
    return server;
  }

  client(name = 'bench'): Redis {
    const client = new Redis(this.port, '127.0.0.1', { connectionName: name });
    client.on('error', () => undefined);
    return client;
  }

  async stop(): Promise<void> {
    await stopChild(this.child, 5_000, 'SIGKILL');
  }
}
