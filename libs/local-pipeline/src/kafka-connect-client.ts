import { readFile } from 'node:fs/promises';
import type pg from 'pg';
import { waitFor } from './condition-poller.js';
import { DEMO_TABLES } from './demo-catalog-fixture.js';
import { repoPath } from './repo-paths.js';
import { endpoints } from './stack-endpoints.js';

/** A connector as Kafka Connect's REST API takes it. */
export interface ConnectorBody {
  readonly name: string;
  readonly config: Readonly<Record<string, string>>;
}

interface ConnectorStatus {
  connector?: { state: string; trace?: string };
  tasks?: { state: string; trace?: string }[];
}

/** One REST call; a 404 answers null (a connector that is not there). */
async function request(method: string, path: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${endpoints.connectUrl}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    signal: AbortSignal.timeout(30_000),
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (!response.ok && response.status !== 404) {
    throw new Error(`Kafka Connect ${method} ${path}: HTTP ${response.status} ${text}`);
  }
  return text === '' || response.status === 404 ? null : (JSON.parse(text) as unknown);
}

/** deploy/debezium/postgres-connector.json: what the stack and docker-compose register. */
export async function loadConnectorConfig(): Promise<ConnectorBody> {
  const file = repoPath('deploy', 'debezium', 'postgres-connector.json');
  return JSON.parse(await readFile(file, 'utf8')) as ConnectorBody;
}

/**
 * The demo connector redirected to schema `name` with its own topic prefix, slot and publication
 * (all `name`); the slot goes with the connector. `overrides` win (e.g. `snapshot.mode`).
 */
export async function isolatedConnector(
  name: string,
  overrides: Readonly<Record<string, string>> = {},
): Promise<ConnectorBody> {
  const base = await loadConnectorConfig();
  return {
    name,
    config: {
      ...base.config,
      'topic.prefix': name,
      'slot.name': name,
      'publication.name': name,
      'schema.include.list': name,
      'table.include.list': DEMO_TABLES.map((table) => `${name}.${table}`).join(','),
      'slot.drop.on.stop': 'true',
      ...overrides,
    },
  };
}

/** Options of {@link registerConnector}. */
export interface RegisterConnectorOptions {
  /** @default 120000 */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

/** Registers a connector; resolves once it and its task are RUNNING, throws if one FAILED. */
export async function registerConnector(
  body: ConnectorBody,
  options: RegisterConnectorOptions = {},
): Promise<void> {
  await request('POST', '/connectors', body);
  const result = await waitFor(
    async () => {
      const status = (await request(
        'GET',
        `/connectors/${body.name}/status`,
      )) as ConnectorStatus | null;
      const all = [status?.connector, ...(status?.tasks ?? [])];
      const failed = all.find((s) => s?.state === 'FAILED');
      // Thrown from the probe it would only be retried: a FAILED connector stays failed.
      if (failed) return { failed: `connector ${body.name} FAILED: ${failed.trace ?? ''}` };
      return (status?.tasks?.length ?? 0) > 0 && all.every((s) => s?.state === 'RUNNING');
    },
    {
      what: `connector ${body.name} RUNNING`,
      timeoutMs: options.timeoutMs ?? 120_000,
      intervalMs: 250,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    },
  );
  if (typeof result === 'object') throw new Error(result.failed);
}

export async function deleteConnector(name: string): Promise<void> {
  await request('DELETE', `/connectors/${name}`);
}

/** Whether Kafka Connect still knows the connector. */
export async function connectorExists(name: string): Promise<boolean> {
  return (await request('GET', `/connectors/${name}`)) !== null;
}

/**
 * Deletes connector `name`, waits until its replication slot is released, and drops the slot
 * if `slot.drop.on.stop` did not. Takes no abort signal: cleanup must finish after Ctrl-C.
 */
export async function dropConnector(name: string, pool: pg.Pool): Promise<void> {
  await deleteConnector(name);
  const slot = async (): Promise<{ active: boolean } | undefined> =>
    (
      await pool.query<{ active: boolean }>(
        'SELECT active FROM pg_replication_slots WHERE slot_name = $1',
        [name],
      )
    ).rows[0];
  await waitFor(async () => (await slot())?.active !== true, {
    what: `slot ${name} released`,
    timeoutMs: 30_000,
    intervalMs: 200,
  });
  if ((await slot()) !== undefined) await pool.query('SELECT pg_drop_replication_slot($1)', [name]);
}
