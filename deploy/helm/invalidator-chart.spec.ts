import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { repoPath } from '#local-pipeline';
import { compileRules } from '#rules';
import { locateDeployTool, runTool } from '../deploy-tool.locator.js';

// The chart as `helm` renders it: lint, then the manifests themselves (probes, security,
// secrets, rules, sizing), with default values and with ci/full-values.yaml.

const helm = locateDeployTool('helm');
const chart = repoPath('deploy', 'helm', 'invalidator');
const fullValues = repoPath('deploy', 'helm', 'invalidator', 'ci', 'full-values.yaml');

interface Manifest {
  kind: string;
  metadata: { name: string; annotations?: Record<string, string> };
  data?: Record<string, string>;
  spec?: Record<string, unknown>;
}
interface EnvVar {
  name: string;
  value?: string;
}
interface Container {
  name: string;
  ports: { name: string; containerPort: number }[];
  env?: EnvVar[];
  envFrom: { configMapRef: { name: string } }[];
  livenessProbe: { httpGet: { path: string; port: string } };
  readinessProbe: { httpGet: { path: string; port: string } };
  securityContext: Record<string, unknown> & { capabilities: { drop: string[] } };
  resources: { requests: { memory: string }; limits: { memory: string } };
  volumeMounts: { name: string; mountPath: string; readOnly?: boolean }[];
}
interface PodSpec {
  terminationGracePeriodSeconds: number;
  securityContext: Record<string, unknown>;
  containers: Container[];
  volumes: {
    name: string;
    secret?: { secretName: string };
    configMap?: { name: string };
    emptyDir?: object;
  }[];
}

function helmRun(args: string[]): { status: number | null; stdout: string; stderr: string } {
  if (helm.path === undefined) throw new Error(helm.missing);
  return runTool(helm.path, args);
}

/** `helm template` with these arguments, parsed; throws with helm's message on failure. */
function render(...args: string[]): Manifest[] {
  const result = helmRun(['template', 'inv', chart, ...args]);
  if (result.status !== 0) throw new Error(`helm template failed: ${result.stderr}`);
  return parseAllDocuments(result.stdout)
    .map((doc) => doc.toJS() as Manifest | null)
    .filter((m): m is Manifest => m !== null);
}

/** helm's error for values the chart must refuse. */
function refusal(...args: string[]): string {
  const result = helmRun(['template', 'inv', chart, ...args]);
  expect(result.status, 'helm template should have failed').not.toBe(0);
  return result.stderr;
}

function one(manifests: Manifest[], kind: string, nameSuffix = ''): Manifest {
  const found = manifests.filter((m) => m.kind === kind && m.metadata.name.endsWith(nameSuffix));
  expect(found, `${kind} *${nameSuffix}`).toHaveLength(1);
  return found[0] as Manifest;
}

function podSpec(manifests: Manifest[]): PodSpec {
  const spec = one(manifests, 'Deployment').spec as { template: { spec: PodSpec } };
  return spec.template.spec;
}

function container(manifests: Manifest[]): Container {
  const found = podSpec(manifests).containers.find((c) => c.name === 'invalidator');
  if (found === undefined) throw new Error('no container named invalidator');
  return found;
}

function configData(manifests: Manifest[]): Record<string, string> {
  const name = container(manifests).envFrom[0]?.configMapRef.name ?? '';
  const map = manifests.find((m) => m.kind === 'ConfigMap' && m.metadata.name === name);
  return map?.data ?? {};
}

function podAnnotations(manifests: Manifest[]): Record<string, string> {
  const spec = one(manifests, 'Deployment').spec as {
    template: { metadata: { annotations: Record<string, string> } };
  };
  return spec.template.metadata.annotations;
}

/** Kubernetes quantity (Mi, Gi, M) in bytes. */
function bytes(quantity: string): number {
  const match = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|k|M|G)?$/.exec(quantity);
  if (match === null) throw new Error(`not a memory quantity: ${quantity}`);
  const units: Record<string, number> = {
    Ki: 1024,
    Mi: 1024 ** 2,
    Gi: 1024 ** 3,
    k: 1e3,
    M: 1e6,
    G: 1e9,
  };
  return Number(match[1]) * (units[match[2] ?? ''] ?? 1);
}

/** The peak RSS docs/benchmarks.md reports ("Peak RSS ... **228.8 MiB**"), in bytes. */
function measuredPeakRss(): number {
  const text = readFileSync(repoPath('docs', 'benchmarks.md'), 'utf8');
  const match = /Peak RSS[^*]*\*\*([\d.]+) MiB\*\*/.exec(text);
  if (match?.[1] === undefined) throw new Error('docs/benchmarks.md: no "Peak RSS ... **N MiB**"');
  return Number(match[1]) * 1024 ** 2;
}

/** Every INVALIDATOR_* variable the service's configuration reads. */
function serviceVariables(): string[] {
  const source = readFileSync(
    repoPath('apps', 'invalidator', 'src', 'config', 'invalidator-config.ts'),
    'utf8',
  );
  return [...new Set(source.match(/'INVALIDATOR_[A-Z0-9_]+'/g) ?? [])].map((v) => v.slice(1, -1));
}

const title = `helm chart deploy/helm/invalidator${helm.path === undefined ? ` (skipped: ${helm.missing})` : ''}`;

// Each test spawns helm a few times: generous timeouts for a loaded machine.
describe.skipIf(helm.path === undefined)(title, { timeout: 60_000 }, () => {
  it('passes helm lint --strict with default and with full values', () => {
    for (const args of [[], ['-f', fullValues]]) {
      const result = helmRun(['lint', '--strict', chart, ...args]);
      expect(result.status, result.stdout + result.stderr).toBe(0);
    }
  });

  it('renders the default resources and none of the optional ones', () => {
    const kinds = render()
      .map((m) => m.kind)
      .sort();
    expect(kinds).toEqual([
      'ConfigMap',
      'ConfigMap',
      'Deployment',
      'PodDisruptionBudget',
      'Service',
      'ServiceAccount',
    ]);
    const full = render('-f', fullValues).map((m) => m.kind);
    expect(full).toEqual(expect.arrayContaining(['ServiceMonitor', 'PrometheusRule']));
    expect(full.filter((k) => k === 'ConfigMap')).toHaveLength(3); // config, rules, dashboard
  });

  it('probes /health/live and /health/ready on the port the service listens on', () => {
    for (const manifests of [render(), render('-f', fullValues)]) {
      const c = container(manifests);
      const data = configData(manifests);
      expect(c.livenessProbe.httpGet).toEqual({ path: '/health/live', port: 'http' });
      expect(c.readinessProbe.httpGet).toEqual({ path: '/health/ready', port: 'http' });
      const http = c.ports.find((p) => p.name === 'http');
      expect(String(http?.containerPort)).toBe(data.INVALIDATOR_HTTP_PORT);
      // Probes and Prometheus reach it from outside the pod.
      expect(data.INVALIDATOR_HTTP_HOST).toBe('0.0.0.0');
    }
  });

  it('runs non-root, read-only, without privilege escalation or capabilities', () => {
    const manifests = render();
    const pod = podSpec(manifests);
    const c = container(manifests);
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
    expect(c.securityContext).toMatchObject({
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      privileged: false,
    });
    expect(c.securityContext.capabilities.drop).toEqual(['ALL']);
    // A read-only root needs a writable /tmp.
    const tmp = c.volumeMounts.find((m) => m.mountPath === '/tmp');
    expect(pod.volumes.find((v) => v.name === tmp?.name)?.emptyDir).toBeDefined();
  });

  it('gives Kubernetes more time than the service takes to shut down', () => {
    for (const manifests of [render(), render('-f', fullValues)]) {
      const graceMs = Number(configData(manifests).INVALIDATOR_SHUTDOWN_GRACE_MS);
      expect(podSpec(manifests).terminationGracePeriodSeconds * 1000).toBeGreaterThan(graceMs);
    }
    expect(
      refusal('--set', 'shutdownGraceMs=30000', '--set', 'terminationGracePeriodSeconds=30'),
    ).toMatch(/terminationGracePeriodSeconds \(30 s\) must exceed shutdownGraceMs \(30000 ms\)/);
  });

  it('sizes memory from the measured peak RSS (docs/benchmarks.md)', () => {
    const peak = measuredPeakRss();
    const { resources } = container(render());
    expect(bytes(resources.requests.memory)).toBeGreaterThanOrEqual(peak);
    expect(bytes(resources.limits.memory)).toBeGreaterThanOrEqual(1.5 * peak);
  });

  it('mounts existing Secrets as files and sets the *_FILE variables, never the values', () => {
    const manifests = render('-f', fullValues);
    const { secretFiles } = parse(readFileSync(fullValues, 'utf8')) as {
      secretFiles: Record<string, { secretName: string; key: string }>;
    };
    const c = container(manifests);
    const pod = podSpec(manifests);
    const env = new Map((c.env ?? []).map((e) => [e.name, e.value]));
    expect(Object.keys(secretFiles).length).toBeGreaterThan(0);
    for (const [variable, { secretName, key }] of Object.entries(secretFiles)) {
      const dir = `/var/run/secrets/invalidator/${secretName}`;
      expect(env.get(`${variable}_FILE`)).toBe(`${dir}/${key}`);
      expect(env.has(variable), `${variable} set in clear`).toBe(false);
      expect(configData(manifests)[variable], `${variable} in the ConfigMap`).toBeUndefined();
      const mount = c.volumeMounts.find((m) => m.mountPath === dir);
      expect(mount?.readOnly).toBe(true);
      expect(pod.volumes.find((v) => v.name === mount?.name)?.secret?.secretName).toBe(secretName);
    }
    // The chart never creates a Secret: it only references existing ones.
    expect(manifests.filter((m) => m.kind === 'Secret')).toEqual([]);
  });

  it('refuses credentials in values, naming the variable and what to do', () => {
    expect(refusal('--set', 'config.INVALIDATOR_REDIS_PASSWORD=hunter2')).toMatch(
      /config\.INVALIDATOR_REDIS_PASSWORD holds a credential: .*secretFiles\.INVALIDATOR_REDIS_PASSWORD/,
    );
    expect(
      refusal('--set-string', 'config.INVALIDATOR_DATABASE_URL=postgres://app:s3cret@db:5432/shop'),
    ).toMatch(/config\.INVALIDATOR_DATABASE_URL holds a credential/);
    expect(
      refusal('--set', 'extraEnv[0].name=INVALIDATOR_ADMIN_TOKEN', '--set', 'extraEnv[0].value=x'),
    ).toMatch(/extraEnv INVALIDATOR_ADMIN_TOKEN has a plain value/);
    expect(refusal('--set', 'secretFiles.INVALIDATOR_REDIS_PASSWORD.key=password')).toMatch(
      /secretFiles\.INVALIDATOR_REDIS_PASSWORD: expected \{secretName/,
    );
    // A URL without a password is not a credential.
    const open = render('--set-string', 'config.INVALIDATOR_REDIS_URL=redis://redis:6379');
    expect(configData(open).INVALIDATOR_REDIS_URL).toBe('redis://redis:6379');
  });

  it('reaches every INVALIDATOR_* variable of the service from values', () => {
    const manifests = render('-f', fullValues);
    const reached = new Set([
      ...Object.keys(configData(manifests)),
      ...(container(manifests).env ?? []).map((e) => e.name.replace(/_FILE$/, '')),
    ]);
    // Exclusive with INVALIDATOR_REDIS_CLUSTER_NODES (which the full values use).
    const alternatives = new Set(['INVALIDATOR_REDIS_URL']);
    const unreached = serviceVariables().filter((v) => !reached.has(v) && !alternatives.has(v));
    expect(unreached).toEqual([]);
  });

  it('ships rule files the service accepts, and rolls the pods when they change', () => {
    for (const manifests of [render(), render('-f', fullValues)]) {
      const rules = one(manifests, 'ConfigMap', '-rules').data ?? {};
      expect(Object.keys(rules).length).toBeGreaterThan(0);
      const set = compileRules(Object.entries(rules).map(([path, text]) => ({ path, text })));
      expect(set).toBeDefined();
      const mount = container(manifests).volumeMounts.find((m) => m.name === 'rules');
      expect(mount?.mountPath).toBe(configData(manifests).INVALIDATOR_RULES_PATH);
    }
    const before = podAnnotations(render())['checksum/rules'];
    const edited = render(
      '--set',
      'rules.files[0].name=catalog.yaml',
      '--set-string',
      'rules.files[0].content=version: 1',
    );
    expect(one(edited, 'ConfigMap', '-rules').data).toEqual({ 'catalog.yaml': 'version: 1\n' });
    expect(podAnnotations(edited)['checksum/rules']).not.toBe(before);
    expect(
      refusal('--set', 'rules.files[0].name=rules.txt', '--set', 'rules.files[0].content=x'),
    ).toMatch(/rules\.files\[0\]\.name=rules\.txt: expected a file name ending in \.yaml/);
  });

  it('mounts an existing rules ConfigMap instead, rolled by rules.revision', () => {
    const existing = render('--set', 'rules.existingConfigMap=team-rules');
    expect(existing.filter((m) => m.metadata.name.endsWith('-rules'))).toEqual([]);
    const volume = podSpec(existing).volumes.find((v) => v.name === 'rules');
    expect(volume?.configMap?.name).toBe('team-rules');
    const revised = render(
      '--set',
      'rules.existingConfigMap=team-rules',
      '--set',
      'rules.revision=2',
    );
    expect(podAnnotations(revised)['checksum/rules']).not.toBe(
      podAnnotations(existing)['checksum/rules'],
    );
  });

  it('documents every top-level value in the generated, up-to-date README', () => {
    const result = runTool(process.execPath, [
      repoPath('deploy', 'helm', 'render-readme.mjs'),
      '--check',
    ]);
    expect(result.status, result.stderr).toBe(0);
    const readme = readFileSync(repoPath('deploy', 'helm', 'invalidator', 'README.md'), 'utf8');
    const values = parse(
      readFileSync(repoPath('deploy', 'helm', 'invalidator', 'values.yaml'), 'utf8'),
    ) as Record<string, unknown>;
    for (const key of Object.keys(values)) {
      expect(readme, `values.${key} in README.md`).toMatch(
        new RegExp(`\\| \`${key}(\\.[\\w.]+)?\` +\\|`),
      );
    }
  });

  it('ships the alert rules and the dashboard of deploy/ unchanged', () => {
    const manifests = render('-f', fullValues);
    const rules = parse(
      readFileSync(repoPath('deploy', 'prometheus', 'invalidator.rules.yml'), 'utf8'),
    ) as unknown;
    expect(one(manifests, 'PrometheusRule').spec).toEqual(rules);
    const dashboard = JSON.parse(
      readFileSync(repoPath('deploy', 'grafana', 'invalidator.dashboard.json'), 'utf8'),
    ) as unknown;
    const data = one(manifests, 'ConfigMap', '-dashboard').data ?? {};
    expect(JSON.parse(data['invalidator.json'] ?? '')).toEqual(dashboard);
  });
});
