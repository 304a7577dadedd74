import type { FastifyBaseLogger } from 'fastify';
import type { Clock } from '../core/index.js';
import { LogThrottle, type SuppressedLines } from './log-throttle.js';

/** What a client did wrong at the connection level; none of it is a Detour fault. */
export type ClientFault = 'request_timeout' | 'client_closed_request' | 'too_many_connections';

/** Writes throttled log lines about client faults. */
export interface ClientFaultLog {
  /** Logs one fault, unless the throttle holds it back; never with a stack (it is not Detour's bug). */
  report(fault: ClientFault, address: string | undefined, message: string, details?: object): void;
  /** Writes what the current window held back and stops the timer. */
  close(): void;
}

// A minute's window with 5 lines per client and 50 per fault keeps the first lines of any flood
// (who, what) and turns the rest into one count per fault and minute.
const WINDOW_MS = 60_000;
const PER_ADDRESS = 5;
const PER_FAULT = 50;

// Refused connections mean a client (or a proxy in front of Detour) hit `server.maxConnectionsPerIp`:
// worth an operator's look. Timeouts and dropped uploads are the clients' business.
const LEVELS: Readonly<Record<ClientFault, 'info' | 'warn'>> = {
  request_timeout: 'info',
  client_closed_request: 'info',
  too_many_connections: 'warn',
};

/** Logs client faults through a {@link LogThrottle}, with one summary line per fault and window. */
export function createClientFaultLog(logger: FastifyBaseLogger, clock: Clock): ClientFaultLog {
  const throttle = new LogThrottle({
    clock,
    windowMs: WINDOW_MS,
    perAddress: PER_ADDRESS,
    perFault: PER_FAULT,
  });
  const writeSuppressed = (lines: SuppressedLines[]) => {
    for (const line of lines) {
      const fault = line.fault as ClientFault;
      logger[LEVELS[fault]](
        {
          clientFault: fault,
          suppressed: line.count,
          addresses: line.addresses,
          topAddress: line.top.address,
          topAddressSuppressed: line.top.count,
        },
        `${line.count} more ${fault} lines from ${line.addresses} address(es) held back in ${Math.round((line.to - line.from) / 1000)} s`,
      );
    }
  };
  // The report of a window that ended is written even when the flood that filled it has stopped.
  const timer = setInterval(() => writeSuppressed(throttle.takeSuppressed()), WINDOW_MS);
  timer.unref();
  return {
    report(fault, address, message, details = {}) {
      const remoteAddress = address ?? 'unknown';
      if (!throttle.admit(fault, remoteAddress)) return;
      logger[LEVELS[fault]]({ clientFault: fault, remoteAddress, ...details }, message);
    },
    close() {
      clearInterval(timer);
      writeSuppressed(throttle.flush());
    },
  };
}
