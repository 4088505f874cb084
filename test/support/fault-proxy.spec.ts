import { createServer, Socket, type AddressInfo, type Server } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FaultProxy } from './fault-proxy.js';

// Real loopback sockets: an echo server behind the proxy, a client in front of it.

let echo: Server;
let proxy: FaultProxy;
const clients: Socket[] = [];

beforeEach(async () => {
  echo = createServer((socket) => {
    socket.on('error', () => undefined);
    socket.pipe(socket);
  });
  await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
  proxy = await FaultProxy.start({
    target: { host: '127.0.0.1', port: (echo.address() as AddressInfo).port },
  });
});

afterEach(async () => {
  for (const client of clients.splice(0)) client.destroy();
  await proxy.close();
  await new Promise<void>((resolve) =>
    echo.close(() => {
      resolve();
    }),
  );
});

/** A connected client that records what it reads and how it ended. */
async function connect(): Promise<{
  socket: Socket;
  received: () => string;
  ended: Promise<string>;
}> {
  const socket = new Socket();
  clients.push(socket);
  let data = '';
  socket.on('data', (chunk: Buffer) => {
    data += chunk.toString();
  });
  const ended = new Promise<string>((resolve) => {
    socket.once('error', (error: NodeJS.ErrnoException) => {
      resolve(error.code ?? error.message);
    });
    socket.once('close', () => {
      resolve('closed');
    });
  });
  // A connection reset right after the handshake may fail before 'connect' is seen.
  await Promise.race([
    new Promise<void>((resolve) => socket.connect(proxy.port, '127.0.0.1', resolve)),
    ended,
  ]);
  return { socket, received: () => data, ended };
}

async function until(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('FaultProxy', () => {
  it('forwards both ways unchanged in pass mode', async () => {
    const client = await connect();
    client.socket.write('hello ');
    client.socket.write('world');
    await until(() => client.received() === 'hello world');
    expect(proxy.openConnections).toBe(1);
  });

  it('delays every chunk by the latency, in order', async () => {
    proxy.set({ kind: 'latency', ms: 150 });
    const client = await connect();
    const sent = Date.now();
    client.socket.write('a');
    client.socket.write('b');
    await until(() => client.received() === 'ab');
    // Each direction adds the latency once.
    expect(Date.now() - sent).toBeGreaterThanOrEqual(290);
  });

  it('holds traffic during a stall and delivers it, in order, afterwards', async () => {
    const client = await connect();
    proxy.set({ kind: 'stall' });
    client.socket.write('held');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(client.received()).toBe('');
    proxy.set({ kind: 'pass' });
    await until(() => client.received() === 'held');
  });

  it('resets open connections and refuses new ones while down', async () => {
    const open = await connect();
    proxy.set({ kind: 'down' });
    expect(await open.ended).toBe('ECONNRESET');
    const refused = await connect();
    expect(await refused.ended).toBe('ECONNRESET');
    expect(proxy.openConnections).toBe(0);

    proxy.set({ kind: 'pass' });
    const again = await connect();
    again.socket.write('back');
    await until(() => again.received() === 'back');
  });

  it('resetAll drops the current connections but accepts the next', async () => {
    const first = await connect();
    proxy.resetAll();
    expect(await first.ended).toBe('ECONNRESET');
    const second = await connect();
    second.socket.write('x');
    await until(() => second.received() === 'x');
    expect(proxy.accepted).toBe(2);
  });
});
