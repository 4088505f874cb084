import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Admin } from 'kafkajs';
import { endpoints, repoRoot, waitFor } from '#local-pipeline';
import { waitCommitted } from '../lib/kafka.js';
import { ServiceProcess } from '../lib/service.js';
import { round } from '../lib/stats.js';

/** Where the service's CPU went during a throughput pass, from a V8 CPU profile. */
export interface ProfileSummary {
  file: string;
  /** Share of sampled time spent idle (waiting for Kafka or Redis). */
  idleShare: number;
  /** Self time by package / lib, as a share of the busy (non-idle) samples. */
  byPackage: { name: string; share: number }[];
  /** Top functions by self time, as a share of the busy samples. */
  topFunctions: { name: string; share: number }[];
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

function packageOf(url: string, fn: string): string {
  if (url === '') return fn.startsWith('(') ? fn : '(native)';
  const lib = /dist\/libs\/([^/]+)\//.exec(url);
  if (lib?.[1] !== undefined) return `#${lib[1]}`;
  if (url.includes('dist/apps/')) return 'apps/invalidator';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (pkg?.[1] !== undefined) return pkg[1];
  if (url.startsWith('node:')) return 'node (core)';
  return url;
}

export function summarizeProfile(file: string): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfTime = new Map<number, number>();
  profile.samples.forEach((id, i) => {
    selfTime.set(id, (selfTime.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  let idle = 0;
  let busy = 0;
  const packages = new Map<string, number>();
  const functions = new Map<string, number>();
  for (const [id, time] of selfTime) {
    const node = byId.get(id);
    if (node === undefined) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)') {
      idle += time;
      continue;
    }
    busy += time;
    const pkg = packageOf(url, functionName);
    packages.set(pkg, (packages.get(pkg) ?? 0) + time);
    const where =
      url === '' ? '' : ` ${url.replace(`file://${repoRoot()}/`, '')}:${lineNumber + 1}`;
    const name = `${functionName === '' ? '(anonymous)' : functionName}${where}`;
    functions.set(name, (functions.get(name) ?? 0) + time);
  }
  const top = (map: Map<string, number>, n: number) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([name, time]) => ({ name, share: round(time / busy, 3) }));
  return {
    file,
    idleShare: round(idle / (idle + busy), 3),
    byPackage: top(packages, 12),
    topFunctions: top(functions, 15),
  };
}

/** A second service pass over the throughput topic (its own group), CPU-profiled from readiness to the last commit. */
export async function profileService(
  admin: Admin,
  options: {
    runId: string;
    outDir: string;
    topic: string;
    total: number;
    rulesPath: string;
    timeoutMs: number;
    groups: string[];
    log: (line: string) => void;
  },
): Promise<ProfileSummary> {
  const groupId = `bench-${options.runId}-profile`;
  options.groups.push(groupId);
  const file = join(options.outDir, 'service-throughput.cpuprofile');
  const service = await ServiceProcess.start({
    name: 'bench-invalidator-profile',
    topics: [options.topic],
    groupId,
    dlqTopic: `bench.${options.runId}.dlq`,
    rulesPath: options.rulesPath,
    redisUrl: endpoints.redisUrl,
    logPath: join(options.outDir, 'service-profile.log'),
    nodeArgs: ['--import', join(repoRoot(), 'dist/bench/bench/lib/profiler-preload.js')],
    env: { BENCH_CPU_PROFILE: file },
  });
  try {
    service.service.signal('SIGUSR2'); // start sampling: the service is ready, start-up is over
    await waitCommitted(admin, groupId, options.topic, options.total, options.timeoutMs);
    service.service.signal('SIGUSR2'); // stop and write
    await waitFor(() => existsSync(file), {
      what: 'the CPU profile',
      timeoutMs: 30_000,
      intervalMs: 100,
    });
    // The file is written in one synchronous call; wait until it parses.
    await waitFor(
      () => {
        try {
          JSON.parse(readFileSync(file, 'utf8'));
          return true;
        } catch {
          return false;
        }
      },
      { what: 'a complete CPU profile', timeoutMs: 30_000, intervalMs: 100 },
    );
  } finally {
    await service.stop();
  }
  const summary = summarizeProfile(file);
  options.log(
    `  profile: idle ${round(summary.idleShare * 100, 1)}%, top ${summary.byPackage
      .slice(0, 4)
      .map((p) => `${p.name} ${round(p.share * 100, 1)}%`)
      .join(', ')}`,
  );
  return summary;
}
