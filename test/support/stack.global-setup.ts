import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const stackScript = fileURLToPath(new URL('../../deploy/local/stack.sh', import.meta.url));

// Waits for the script's exit, not for its output to close: the servers it starts in the
// background inherit its file descriptors and keep running.
function run(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env: { ...process.env, INVALIDATOR_REDIS_CLUSTER: '1' },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`${command} ${args.join(' ')} exited with ${String(code)}`));
    });
  });
}

const stack = (command: 'up' | 'down') => run('bash', [stackScript, command]);

/**
 * Builds the apps (e2e tests run them as real processes) and starts the real servers once for the whole e2e tier. A stack that was already running (a
 * developer's `npm start`) is reused and left running; one started here is stopped at the end.
 */
export default async function setup(): Promise<() => Promise<void>> {
  await run('npm', ['run', '--silent', 'build']);
  // Global setup resolves `#name` to dist/ (not the source condition): import it once built.
  const { endpoints, portOpen } = await import('#local-pipeline');
  const alreadyRunning = await portOpen(endpoints.kafkaBrokers[0] ?? '');
  await stack('up');
  return async () => {
    if (!alreadyRunning && process.env.INVALIDATOR_KEEP_STACK !== '1') await stack('down');
  };
}
