import type { Server } from 'node:net';

/** Options for {@link limitConnectionsPerAddress}. */
export interface ConnectionLimitOptions {
  /** Most connections open at once from one address (config `server.maxConnectionsPerIp`). */
  max: number;
  /** Told about each refused connection, with the number already open from its address. */
  onRefused(address: string, open: number): void;
}

/** Open connections per client address. */
export interface ConnectionCounts {
  /** How many connections from `address` are open now. */
  openFrom(address: string): number;
}

/**
 * Caps the connections one client address may hold open: one client opening thousands of idle or
 * stalled connections must not use up the file descriptors and memory every other client needs.
 * A connection over the cap is closed as it is accepted, before a byte is read. Answering it
 * (a 429) would mean reading its request first, up to the headers timeout, holding the very socket
 * the cap is there to free; Node's own `server.maxConnections` refuses the same way. HTTP clients
 * treat the closed connection as a network error they may retry. Connections already open are not
 * touched.
 */
export function limitConnectionsPerAddress(
  server: Server,
  options: ConnectionLimitOptions,
): ConnectionCounts {
  const open = new Map<string, number>();
  server.on('connection', (socket) => {
    const address = socket.remoteAddress;
    // A connection reset before it was accepted has no address any more and is closing already.
    if (address === undefined) return;
    const count = open.get(address) ?? 0;
    if (count >= options.max) {
      socket.destroy();
      options.onRefused(address, count);
      return;
    }
    open.set(address, count + 1);
    socket.once('close', () => {
      const left = (open.get(address) ?? 1) - 1;
      if (left > 0) open.set(address, left);
      else open.delete(address);
    });
  });
  return { openFrom: (address) => open.get(address) ?? 0 };
}
