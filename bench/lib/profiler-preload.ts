// Preloaded into the service (node --import) by the harness's profile pass. The first SIGUSR2
// starts the V8 CPU profiler (the harness sends it once the service is ready, so start-up is
// left out); the second stops it and writes the profile to BENCH_CPU_PROFILE. (`node --cpu-prof`
// writes only on a normal exit, and Nest re-raises SIGTERM, which ends the process without one.)
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';

const out = process.env.BENCH_CPU_PROFILE;
if (out !== undefined && out !== '') {
  const session = new Session();
  session.connect();
  let started = false;
  process.on('SIGUSR2', () => {
    if (!started) {
      started = true;
      session.post('Profiler.enable', () => {
        session.post('Profiler.setSamplingInterval', { interval: 500 }, () => {
          session.post('Profiler.start');
        });
      });
      return;
    }
    session.post('Profiler.stop', (error, result) => {
      if (error === null) writeFileSync(out, JSON.stringify(result.profile));
    });
  });
}
