import { execFile } from 'node:child_process';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { endpoints } from './endpoints.js';

const run = promisify(execFile);
const stackScript = fileURLToPath(new URL('../../deploy/local/stack.sh', import.meta.url));

function portOpen(hostPort: string): Promise<boolean> {
  const [host = '127.0.0.1', port = '0'] = hostPort.split(':');
  return new Promise((resolve) => {
    const socket = connect({ host, port: Number(port) });
    socket.once('connect', () => {
      socket.end();
      resolve(true);
    });
    socket.once('error', () => {
      resolve(false);
    });
  });
}

async function stack(command: 'up' | 'down'): Promise<void> {
  const child = run('bash', [stackScript, command], {
    env: { ...process.env, INVALIDATOR_REDIS_CLUSTER: '1' },
    maxBuffer: 16 * 1024 * 1024,
  });
  child.child.stderr?.pipe(process.stderr);
  await child;
}

/**
 * Starts the real servers once for the whole e2e tier. A stack that was already running (a
 * developer's `npm start`) is reused and left running; one started here is stopped at the end.
 */
export default async function setup(): Promise<() => Promise<void>> {
  const alreadyRunning = await portOpen(endpoints.kafkaBrokers[0]);
  await stack('up');
  return async () => {
    if (!alreadyRunning && process.env.INVALIDATOR_KEEP_STACK !== '1') await stack('down');
  };
}
