import { createServer, Socket, type AddressInfo, type Server } from 'node:net';

/** Where {@link FaultProxy} listens and what it forwards to. */
export interface FaultProxyOptions {
  /** The server behind the proxy. */
  readonly target: { readonly host: string; readonly port: number };
  /** @default 0 (any free port) */
  readonly port?: number;
  /** @default '127.0.0.1' */
  readonly host?: string;
}

/** What the proxy does to the traffic right now. */
export type FaultMode =
  | { readonly kind: 'pass' }
  /** Every chunk, both ways, delivered `ms` after it arrived (order kept). */
  | { readonly kind: 'latency'; readonly ms: number }
  /** Connections stay open but nothing is delivered until the mode changes (queued, not lost). */
  | { readonly kind: 'stall' }
  /** Open connections are reset and new ones are reset as soon as they are accepted. */
  | { readonly kind: 'down' };

interface Chunk {
  readonly data: Buffer;
  readonly due: number;
}

/** One direction of one connection: queues chunks and writes them when the mode allows. */
class Leg {
  private readonly queue: Chunk[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly to: Socket,
    private readonly mode: () => FaultMode,
  ) {}

  push(data: Buffer): void {
    const mode = this.mode();
    const delay = mode.kind === 'latency' ? mode.ms : 0;
    this.queue.push({ data, due: Date.now() + delay });
    this.flush();
  }

  /** Writes every chunk that is due, then waits for the next one (or for a mode change). */
  flush(): void {
    if (this.timer !== undefined) return;
    if (this.mode().kind === 'stall' || this.to.destroyed) return;
    const now = Date.now();
    while (this.queue.length > 0 && (this.queue[0]?.due ?? Infinity) <= now) {
      const chunk = this.queue.shift();
      if (chunk !== undefined) this.to.write(chunk.data);
    }
    const next = this.queue[0];
    if (next === undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flush();
    }, next.due - now);
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.queue.length = 0;
  }
}

/**
 * A fault-injecting TCP proxy for the fault tests: forwards each accepted connection to `target`
 * and, on request, delays every chunk, holds all traffic (a stall), or resets every connection
 * (the server "gone"). Only for tests: no backpressure beyond the sockets' own buffers.
 */
export class FaultProxy {
  private current: FaultMode = { kind: 'pass' };
  private readonly connections = new Set<{ client: Socket; upstream: Socket; legs: Leg[] }>();
  /** Connections accepted since the start (reset ones included). */
  accepted = 0;

  private constructor(
    private readonly server: Server,
    private readonly options: FaultProxyOptions,
  ) {
    server.on('connection', (client) => {
      this.accept(client);
    });
  }

  /** Starts listening; resolves once the port is bound. */
  static async start(options: FaultProxyOptions): Promise<FaultProxy> {
    const server = createServer({ noDelay: true });
    const proxy = new FaultProxy(server, options);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    return proxy;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  get host(): string {
    return (this.server.address() as AddressInfo).address;
  }

  get mode(): FaultMode {
    return this.current;
  }

  /** Connections open right now. */
  get openConnections(): number {
    return this.connections.size;
  }

  /** Switches the fault; `down` resets every open connection at once. */
  set(mode: FaultMode): void {
    this.current = mode;
    if (mode.kind === 'down') this.resetAll();
    for (const connection of this.connections) for (const leg of connection.legs) leg.flush();
  }

  /** Resets (RST) every open connection; new ones are accepted as the mode allows. */
  resetAll(): void {
    for (const { client, upstream } of [...this.connections]) {
      client.resetAndDestroy();
      upstream.resetAndDestroy();
    }
  }

  /** Stops listening and resets every connection. */
  async close(): Promise<void> {
    this.resetAll();
    await new Promise<void>((resolve) => {
      this.server.close(() => {
        resolve();
      });
    });
  }

  private accept(client: Socket): void {
    this.accepted += 1;
    client.on('error', () => undefined); // a reset peer; the close handler cleans up
    if (this.current.kind === 'down') {
      client.resetAndDestroy();
      return;
    }
    const upstream = new Socket();
    upstream.on('error', () => undefined);
    upstream.setNoDelay(true);
    const mode = () => this.current;
    const toUpstream = new Leg(upstream, mode);
    const toClient = new Leg(client, mode);
    const connection = { client, upstream, legs: [toUpstream, toClient] };
    this.connections.add(connection);
    // Chunks from the client wait in the leg's queue until the upstream socket connects.
    client.pause();
    upstream.connect(this.options.target.port, this.options.target.host, () => {
      client.resume();
    });
    client.on('data', (data) => {
      toUpstream.push(data);
    });
    upstream.on('data', (data) => {
      toClient.push(data);
    });
    const close = () => {
      if (!this.connections.delete(connection)) return;
      toUpstream.dispose();
      toClient.dispose();
      // A reset on one side is passed on as a reset, a clean end as an end.
      client.destroy();
      upstream.destroy();
    };
    client.once('close', close);
    upstream.once('close', close);
  }
}
