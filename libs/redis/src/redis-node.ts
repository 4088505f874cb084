/** One Redis server's address, e.g. a cluster seed node. */
export interface RedisNode {
  readonly host: string;
  readonly port: number;
}

/**
 * Reads `host:port` (surrounding spaces ignored; the port from 1 to 65535), or returns undefined
 * so the caller reports the bad text in its own terms (a usage error, a config issue).
 */
export function parseRedisNode(text: string): RedisNode | undefined {
  const match = /^(.+):(\d{1,5})$/.exec(text.trim());
  const port = Number(match?.[2]);
  if (match?.[1] === undefined || !(port > 0 && port < 65536)) return undefined;
  return { host: match[1], port };
}
