import 'reflect-metadata';
import { spawn } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Redis } from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// Apps have no `#name` entry: the pipeline fixture and the demo app are imported by path.
// eslint-disable-next-line no-restricted-imports
import { createAuditPipeline, type AuditPipeline } from '../../apps/audit/src/audit-pipeline.js';
// eslint-disable-next-line no-restricted-imports
import { readCatalogConfig } from '../../apps/catalog-api/src/catalog-config.js';
// eslint-disable-next-line no-restricted-imports
import { CatalogModule } from '../../apps/catalog-api/src/catalog.module.js';
import {
  CleanupStack,
  endpoints,
  parsePort,
  portOpen,
  repoPath,
  waitFor,
  type InvalidatorProcess,
} from '#local-pipeline';
import {
  dashboardQueries,
  readDashboard,
  ruleExpressions,
  substituteVariables,
} from '../support/dashboard.queries.js';
import { finite, PrometheusApi, type QueryAnswer } from '../support/prometheus.api.js';

// A real Prometheus (deploy/local/components/prometheus.sh) scrapes the real invalidator and the
// real demo catalog app while a short workload runs through the real pipeline (PostgreSQL ->
// Debezium -> Kafka -> invalidator -> Redis), with a dead letter, a Redis stall and a rules
// reload in it. Then EVERY expression of the Grafana dashboard and of the alert rules (read from
// the files, so panels and alerts added later are checked too) is evaluated through
// Prometheus's HTTP API: each must parse; each panel query must return a series with a number.

const prometheusPort = parsePort(process.env, 'INVALIDATOR_PROMETHEUS_PORT', 59090);
const prometheus = new PrometheusApi(`http://127.0.0.1:${prometheusPort}`);
const dashboardFile = repoPath('deploy', 'grafana', 'invalidator.dashboard.json');
const rulesDir = repoPath('deploy', 'prometheus');
/** Grafana's $__rate_interval: at least 4 scrapes (1 s here), wide enough for the whole run. */
const RATE_INTERVAL = '2m';
/** Over two command timeouts (5 s): the deletes time out and are retried more than once. */
const REDIS_PAUSE_MS = 12_000;

const cleanup = new CleanupStack();
const abort = new AbortController();
let pipeline: AuditPipeline;
let service: InvalidatorProcess;
let app: INestApplication;
let baseUrl: string;

function stack(command: 'prometheus-up' | 'prometheus-down', env: Record<string, string> = {}) {
  return new Promise<void>((resolve, reject) => {
    const child = spawn('bash', [repoPath('deploy', 'local', 'stack.sh'), command], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`stack.sh ${command} exited with ${String(code)}`));
    });
  });
}

async function call(method: 'GET' | 'PUT', path: string, body?: unknown): Promise<number> {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? null : JSON.stringify(body),
  });
  await response.arrayBuffer();
  return response.status;
}

async function metric(name: string, labels: Record<string, string> = {}): Promise<number> {
  return (await service.metrics()).value(name, labels);
}

/** Waits until the service's own /metrics shows `name` above `floor`. */
async function metricAbove(name: string, labels: Record<string, string>, floor = 0): Promise<void> {
  await waitFor(async () => (await metric(name, labels)) > floor, {
    what: `${name}${JSON.stringify(labels)} above ${floor}`,
    timeoutMs: 60_000,
    intervalMs: 200,
    signal: abort.signal,
  });
}

/** Reads and updates through the demo app: misses, fills, hits, and changes through CDC. */
async function workload(productIds: readonly string[], round: number): Promise<void> {
  for (const id of productIds) expect(await call('GET', `/products/${id}`)).toBe(200);
  for (const id of productIds) expect(await call('GET', `/products/${id}`)).toBe(200);
  const price = (10 + round + Math.random()).toFixed(2);
  for (const id of productIds.slice(0, 3)) {
    expect(await call('PUT', `/products/${id}`, { price })).toBe(200);
  }
  expect(await call('GET', '/categories/5/products')).toBe(200);
}

/** A value no Debezium converter produces: the service must dead-letter it. */
async function produceGarbage(topic: string): Promise<void> {
  const kafka = new Kafka({
    clientId: 'prometheus-dashboard-e2e',
    brokers: [...endpoints.kafkaBrokers],
    logLevel: logLevel.NOTHING,
  });
  const producer = kafka.producer();
  await producer.connect();
  try {
    await producer.send({ topic, messages: [{ key: '{"id":1}', value: 'not a change event' }] });
  } finally {
    await producer.disconnect();
  }
}

/**
 * Holds every write on the stack's Redis for longer than the service's command timeout (5 s):
 * its deletes time out and are retried, counted as Redis errors; the app's fills time out.
 */
async function stallRedisWrites(): Promise<void> {
  const redis = new Redis(endpoints.redisUrl);
  try {
    await redis.call('CLIENT', 'PAUSE', String(REDIS_PAUSE_MS), 'WRITE');
  } finally {
    redis.disconnect();
  }
}

beforeAll(async () => {
  const alreadyRunning = await portOpen(`127.0.0.1:${prometheusPort}`);
  pipeline = await createAuditPipeline(
    { products: 12, categories: 4, poolSize: 4 },
    { replica: false, checkWindowsMs: [] },
    cleanup,
    abort.signal,
  );
  service = await pipeline.startService({ markers: false }, abort.signal);
  const config = readCatalogConfig({
    CATALOG_DATABASE_URL: pipeline.catalog.databaseUrl,
    CATALOG_REDIS_URL: endpoints.redisUrl,
    CATALOG_HTTP_PORT: '0',
    CATALOG_CACHE_TTL_SECONDS: '60',
    CATALOG_CACHE_PREFIX: pipeline.keyPrefix,
  });
  app = await NestFactory.create(CatalogModule.forRoot(config), { logger: false });
  await app.listen(config.httpPort, config.httpHost);
  cleanup.push('close catalog-api', () => app.close());
  baseUrl = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  await stack('prometheus-up', {
    INVALIDATOR_PROMETHEUS_INVALIDATOR_TARGETS: `127.0.0.1:${service.port}`,
    INVALIDATOR_PROMETHEUS_CATALOG_TARGETS: new URL(baseUrl).host,
    INVALIDATOR_PROMETHEUS_SCRAPE_INTERVAL: '1s',
  });
  if (!alreadyRunning) cleanup.push('stop Prometheus', () => stack('prometheus-down'));
}, 300_000);

afterAll(async () => {
  abort.abort();
  await cleanup.runAllOrThrow();
});

describe('Prometheus scraping the real service and demo app', () => {
  it('scrapes both through a workload with a dead letter, a Redis stall and a reload', async () => {
    await waitFor(
      async () => {
        const targets = await prometheus.targets();
        return ['invalidator', 'catalog-api'].every((job) =>
          targets.some((t) => t.job === job && t.health === 'up'),
        );
      },
      { what: 'both scrape targets up', timeoutMs: 60_000, intervalMs: 500 },
    );
    const ids = pipeline.catalog.productIds.slice(0, 6);
    for (let round = 0; round < 3; round += 1) await workload(ids, round);
    await pipeline.catchUp(abort.signal);
    expect(await metric('invalidator_events_total', { outcome: 'invalidated' })).toBeGreaterThan(0);

    const productsTopic = `${pipeline.catalog.name}.${pipeline.catalog.name}.products`;
    await produceGarbage(productsTopic);
    await metricAbove('invalidator_dead_letters_total', {});

    await stallRedisWrites();
    await workload(ids, 3);
    await metricAbove('invalidator_retries_total', { operation: 'redis invalidation' }, 1);
    await pipeline.catchUp(abort.signal);

    const pid = service.pid;
    if (pid === undefined) throw new Error('the service has no pid');
    process.kill(pid, 'SIGHUP');
    await metricAbove('invalidator_rule_reloads_total', { result: 'applied' });
    await workload(ids, 4);
    await pipeline.catchUp(abort.signal);
  });

  it('returns a number for every query of every dashboard panel', async () => {
    const dashboard = await readDashboard(dashboardFile);
    const queries = dashboardQueries(dashboard).map((q) => ({
      ...q,
      promql: substituteVariables(q.expr, dashboard, RATE_INTERVAL),
    }));
    expect(queries.length).toBeGreaterThan(0);
    const broken = new Map<string, string>();
    // Prometheus needs a scrape or two after the workload: poll until every panel has data.
    await waitFor(
      async () => {
        broken.clear();
        for (const q of queries) {
          const answer = await prometheus.query(q.promql);
          const problem = panelProblem(answer);
          if (problem !== null) broken.set(`${q.panel} [${q.refId}] ${q.promql}`, problem);
        }
        return broken.size === 0;
      },
      { what: 'data in every dashboard panel', timeoutMs: 60_000, intervalMs: 1_000 },
    ).catch(() => undefined);
    expect(Object.fromEntries(broken)).toEqual({});
  });

  it('parses every alert expression, which returns data or a clean empty vector', async () => {
    const files = (await readdir(rulesDir)).filter((f) => f.endsWith('.rules.yml'));
    expect(files.length).toBeGreaterThan(0);
    const failures: Record<string, string> = {};
    for (const file of files) {
      for (const rule of await ruleExpressions(`${rulesDir}/${file}`)) {
        const answer = await prometheus.query(rule.expr);
        if (!answer.ok) failures[`${file} ${rule.name}`] = answer.error;
        else if (answer.resultType !== 'vector') {
          failures[`${file} ${rule.name}`] = `a ${answer.resultType}, not an instant vector`;
        }
      }
    }
    expect(failures).toEqual({});
    // Prometheus loaded the same files (rule_files) and evaluates them without errors.
    const loaded = await prometheus.rules();
    expect(loaded.length).toBeGreaterThan(0);
    expect(loaded.filter((r) => r.health === 'err')).toEqual([]);
  });
});

/** Opt-in: `INVALIDATOR_DASHBOARD_HTML=<file>` renders the panels while the processes still run. */
const snapshotFile = process.env.INVALIDATOR_DASHBOARD_HTML;

describe.skipIf(snapshotFile === undefined)('static rendering for docs/deploy.md', () => {
  it('renders every panel from this run into an HTML page', async () => {
    await new Promise<void>((resolve, reject) => {
      const child = spawn(
        process.execPath,
        [
          repoPath('deploy', 'grafana', 'render-static.mjs'),
          '--prometheus',
          prometheus.url,
          '--minutes',
          '3',
          '--out',
          snapshotFile ?? '',
        ],
        { stdio: ['ignore', 'inherit', 'inherit'] },
      );
      child.once('error', reject);
      child.once('exit', (code) => {
        if (code === 0) resolve();
        else reject(new Error(`render-static.mjs exited with ${String(code)}`));
      });
    });
  });
});

/** Why a panel's query shows nothing, or null when it shows at least one number. */
function panelProblem(answer: QueryAnswer): string | null {
  if (!answer.ok) return answer.error;
  if (answer.series.length === 0) return 'no series';
  if (!answer.series.some(finite)) return 'only NaN/Inf values';
  return null;
}
