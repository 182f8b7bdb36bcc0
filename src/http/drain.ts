/**
 * Graceful shutdown of the HTTP listener: stop accepting connections, let the requests in flight
 * finish (up to a grace time), and ask keep-alive clients to reconnect elsewhere meanwhile.
 * Apollo's drain plugin runs after this and finds only idle sockets to end.
 */
import type { Server } from 'node:http';

export interface HttpDrain {
  /** Requests that arrived and have not finished (or been aborted). */
  inFlight(): number;
  /** From now on every response says `Connection: close`. */
  begin(): void;
  /**
   * Stops accepting connections and resolves once no request is in flight (0), or after graceMs
   * with the number of requests still running, whose connections it then closed.
   */
  closeAndWait(graceMs: number): Promise<number>;
}

export function trackRequests(server: Server): HttpDrain {
  let inFlight = 0;
  let draining = false;
  const idle: (() => void)[] = [];
  server.on('request', (_req, res) => {
    inFlight += 1;
    if (draining) res.setHeader('Connection', 'close');
    res.once('close', () => {
      inFlight -= 1;
      if (inFlight === 0) idle.splice(0).forEach((wake) => wake());
    });
  });
  return {
    inFlight: () => inFlight,
    begin() {
      draining = true;
    },
    async closeAndWait(graceMs) {
      draining = true;
      if (server.listening) server.close();
      server.closeIdleConnections();
      if (inFlight === 0) return 0;
      return new Promise<number>((resolve) => {
        const timer = setTimeout(() => {
          // Past the grace: cut what is left, as the forced exit would.
          const cut = inFlight;
          server.closeAllConnections();
          resolve(cut);
        }, graceMs);
        idle.push(() => {
          clearTimeout(timer);
          resolve(0);
        });
      });
    },
  };
}
