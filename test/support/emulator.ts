/** A Khalti emulator on its own loopback port, outside any gateway process: "Khalti" for process tests. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { createEmulator, type Emulator } from '../../src/sandbox/emulator';
import { controlClient, type Control } from './control';

export const EMULATOR_KEY = 'process_test_secret_key_0123456789';

export interface RunningEmulator {
  url: string;
  emulator: Emulator;
  server: Server;
  /** API requests received for a route (initiate, lookup, refund, banks, status). */
  requests(route: string): number;
  control: Control;
  close(): Promise<void>;
}

export async function startEmulator(port = 0): Promise<RunningEmulator> {
  const app = express();
  const server = createServer(app);
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const emulator = createEmulator({ secretKey: EMULATOR_KEY, publicUrl: url });
  app.use(emulator.router);
  return {
    url,
    emulator,
    server,
    requests: (route) => emulator.controls.requests().filter((entry) => entry.route === route).length,
    control: controlClient(url),
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Environment for a gateway process that uses this emulator as Khalti and the given database file. */
/** Outside embedded mode client keys cannot initiate without MERCHANT_SECRET: initiate with `keys.server`. */
export function gatewayEnvFor(khalti: RunningEmulator, databaseUrl: string, keys: { admin: string; client: string; server?: string }): Record<string, string> {
  return {
    KHALTI_ENV: 'sandbox',
    KHALTI_BASE_URL: khalti.url,
    KHALTI_SECRET_KEY: EMULATOR_KEY,
    DATABASE_URL: databaseUrl,
    GATEWAY_ADMIN_KEYS: keys.admin,
    GATEWAY_CLIENT_KEYS: keys.client,
    ...(keys.server ? { GATEWAY_SERVER_KEYS: keys.server } : {}),
  };
}
