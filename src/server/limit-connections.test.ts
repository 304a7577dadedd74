import { once } from 'node:events';
import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ConnectionCounts, limitConnectionsPerAddress } from './limit-connections.js';

let server: Server;
let counts: ConnectionCounts;
let refusals: { address: string; open: number }[];
/** Server-side sockets the limit accepted, in order. */
let accepted: Socket[];
let acceptedWaiters: (() => void)[];
const clients = new Set<Socket>();

beforeEach(async () => {
  server = createServer();
  refusals = [];
  accepted = [];
  acceptedWaiters = [];
  counts = limitConnectionsPerAddress(server, {
    max: 2,
    onRefused: (address, open) => refusals.push({ address, open }),
  });
  // Registered after the limit's listener: a refused socket is already destroyed here.
  server.on('connection', (socket) => {
    if (socket.destroyed) return;
    accepted.push(socket);
    for (const waiter of acceptedWaiters.splice(0)) waiter();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
});

afterEach(async () => {
  for (const client of clients) client.destroy();
  for (const socket of accepted) socket.destroy();
  await new Promise((resolve) => server.close(resolve));
});

function open(localAddress: string): Socket {
  const client = connect({ port: (server.address() as AddressInfo).port, host: '127.0.0.1', localAddress });
  client.on('error', () => undefined);
  clients.add(client);
  return client;
}

/** Resolves once the server has accepted `count` connections in all. */
async function acceptedCount(count: number): Promise<void> {
  while (accepted.length < count) await new Promise<void>((resolve) => acceptedWaiters.push(resolve));
}

describe('limitConnectionsPerAddress', () => {
  it('closes the connection over the cap from one address and tells who was refused', async () => {
    open('127.0.0.2');
    open('127.0.0.2');
    await acceptedCount(2);
    const refused = open('127.0.0.2');
    await once(refused, 'close');
    expect(refusals).toEqual([{ address: '127.0.0.2', open: 2 }]);
    expect(counts.openFrom('127.0.0.2')).toBe(2);
  });

  it('counts each address on its own', async () => {
    open('127.0.0.2');
    open('127.0.0.2');
    open('127.0.0.3');
    await acceptedCount(3);
    expect(counts.openFrom('127.0.0.2')).toBe(2);
    expect(counts.openFrom('127.0.0.3')).toBe(1);
    expect(refusals).toEqual([]);
  });

  it('frees a place when a connection closes', async () => {
    open('127.0.0.2');
    open('127.0.0.2');
    await acceptedCount(2);
    const first = accepted[0] as Socket;
    first.destroy();
    await once(first, 'close');
    expect(counts.openFrom('127.0.0.2')).toBe(1);
    open('127.0.0.2');
    await acceptedCount(3);
    expect(counts.openFrom('127.0.0.2')).toBe(2);
    expect(refusals).toEqual([]);
    const rest = accepted.slice(1);
    const closed = rest.map((socket) => once(socket, 'close'));
    for (const socket of rest) socket.destroy();
    await Promise.all(closed);
    expect(counts.openFrom('127.0.0.2')).toBe(0);
  });
});
