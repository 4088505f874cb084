import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { endpoints } from './endpoints.js';

const connectorFile = fileURLToPath(
  new URL('../../deploy/debezium/postgres-connector.json', import.meta.url),
);

interface ConnectorBody {
  name: string;
  config: Record<string, string>;
}

/** The connector JSON that the stack and docker-compose register, as the single source. */
export async function loadConnectorConfig(): Promise<ConnectorBody> {
  return JSON.parse(await readFile(connectorFile, 'utf8')) as ConnectorBody;
}

async function request(method: string, path: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${endpoints.connectUrl}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (!response.ok && response.status !== 404) {
    throw new Error(`Kafka Connect ${method} ${path}: HTTP ${response.status} ${text}`);
  }
  return text === '' ? null : (JSON.parse(text) as unknown);
}

interface ConnectorStatus {
  connector?: { state: string; trace?: string };
  tasks?: { state: string; trace?: string }[];
}

/** Registers a connector and resolves once it and its task are RUNNING; a FAILED one throws. */
export async function registerConnector(body: ConnectorBody, timeoutMs = 120_000): Promise<void> {
  await request('POST', '/connectors', body);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = (await request(
      'GET',
      `/connectors/${body.name}/status`,
    )) as ConnectorStatus | null;
    const all = [status?.connector, ...(status?.tasks ?? [])];
    const failed = all.find((s) => s?.state === 'FAILED');
    if (failed) throw new Error(`connector ${body.name} FAILED: ${failed.trace ?? ''}`);
    if ((status?.tasks?.length ?? 0) > 0 && all.every((s) => s?.state === 'RUNNING')) return;
    if (Date.now() > deadline)
      throw new Error(`connector ${body.name} not RUNNING after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

export async function deleteConnector(name: string): Promise<void> {
  await request('DELETE', `/connectors/${name}`);
}
