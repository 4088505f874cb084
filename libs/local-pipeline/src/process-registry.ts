import type { ChildProcess } from 'node:child_process';

const running = new Set<ChildProcess>();
// A run that dies (or forgets to stop it) must not leave a service consuming behind it.
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** Kills every tracked service process still alive (for afterAll and Ctrl-C). */
export async function killAllInvalidators(): Promise<void> {
  await Promise.all(
    [...running].map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) {
            resolve();
            return;
          }
          child.once('exit', () => {
            resolve();
          });
          child.kill('SIGKILL');
        }),
    ),
  );
}

/** Kills `child` with this process at the latest, and lets {@link killAllInvalidators} find it. */
export function trackChild(child: ChildProcess): void {
  running.add(child);
  child.once('exit', () => running.delete(child));
}
