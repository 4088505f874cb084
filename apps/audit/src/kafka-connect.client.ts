import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pollUntil } from './poll.util.js';
import { endpoints } from './stack.endpoints.js';

interface ConnectorBody {
  name: string;
  config: Record<string, string>;
}

interface ConnectorStatus {
  connector?: { state: string; trace?: string };
  tasks?: { state: string; trace?: string }[];
}

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

/**
 * The connector of deploy/debezium/postgres-connector.json (the single source), redirected to the
 * audit schema with its own topic prefix, slot and publication; the slot goes with the connector.
 */
export async function auditConnector(root: string, name: string): Promise<ConnectorBody> {
  const file = join(root, 'deploy', 'debezium', 'postgres-connector.json');
  const base = JSON.parse(await readFile(file, 'utf8')) as ConnectorBody;
  return {
    name,
    config: {
      ...base.config,
      'topic.prefix': name,
      'slot.name': name,
      'publication.name': name,
      'schema.include.list': name,
      'table.include.list': ['brands', 'categories', 'products']
        .map((table) => `${name}.${table}`)
        .join(','),
      'slot.drop.on.stop': 'true',
    },
  };
}

/** Registers the connector; resolves once it and its task are RUNNING, throws if one FAILED. */
export async function registerConnector(body: ConnectorBody, signal: AbortSignal): Promise<void> {
  await request('POST', '/connectors', body);
  await pollUntil(
    async () => {
      const status = (await request(
        'GET',
        `/connectors/${body.name}/status`,
      )) as ConnectorStatus | null;
      const all = [status?.connector, ...(status?.tasks ?? [])];
      const failed = all.find((s) => s?.state === 'FAILED');
      if (failed) throw new Error(`connector ${body.name} FAILED: ${failed.trace ?? ''}`);
      return (status?.tasks?.length ?? 0) > 0 && all.every((s) => s?.state === 'RUNNING');
    },
    { what: `connector ${body.name} RUNNING`, timeoutMs: 120_000, intervalMs: 250, signal },
  );
}

export async function deleteConnector(name: string): Promise<void> {
  await request('DELETE', `/connectors/${name}`);
}

/** Whether Kafka Connect still knows the connector. */
export async function connectorExists(name: string): Promise<boolean> {
  return (await request('GET', `/connectors/${name}`)) !== null;
}
