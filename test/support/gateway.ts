/**
 * Starts the real gateway through src/app.ts for integration and e2e tests: embedded emulator as
 * Khalti, a fresh database of the suite's engine (SQLite on disk in a temporary folder, or a new
 * PostgreSQL database with TEST_DATABASE=postgres), loopback HTTP on a free port.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { createApp, type App, type AppOptions } from '../../src/app';
import { loadConfig } from '../../src/config';
import { controlClient, type Control } from './control';
import { TEST_ENGINE } from './engine';
import { createPostgresDatabase } from './postgres';

export const ADMIN_KEY = 'test-admin-key-0123456789abcdef';
export const CLIENT_KEY = 'test-client-key-0123456789abcdef';
/** The merchant's backend (GATEWAY_SERVER_KEYS): initiates without a checkout token. */
export const SERVER_KEY = 'test-server-key-0123456789abcdef';

export interface TestGateway {
  app: App;
  dir: string;
  /** The SQLite file (SQLite runs only; empty on PostgreSQL). */
  databaseFile: string;
  logs: string[];
  /** POST a GraphQL operation; returns the parsed body. */
  gql<T = any>(query: string, variables?: Record<string, unknown>, key?: string | null): Promise<GqlResult<T>>;
  /** Calls one of the emulator's JSON test controls (under /sandbox/__control). */
  control: Control;
  close(): Promise<void>;
}

export interface GqlResult<T> {
  status: number;
  data?: T;
  errors?: { message: string; path?: string[]; extensions?: { code?: string; [key: string]: unknown } }[];
}

export async function startGateway(env: Record<string, string> = {}, options: AppOptions = {}): Promise<TestGateway> {
  const dir = mkdtempSync(join(tmpdir(), 'khalti-graphql-'));
  const postgres = TEST_ENGINE === 'postgres' && env.DATABASE_URL === undefined ? await createPostgresDatabase() : null;
  const databaseFile = postgres ? '' : join(dir, 'gateway.sqlite');
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_URL: postgres ? postgres.url : `file:${databaseFile}`,
    GATEWAY_ADMIN_KEYS: ADMIN_KEY,
    GATEWAY_CLIENT_KEYS: CLIENT_KEY,
    GATEWAY_SERVER_KEYS: SERVER_KEY,
    ...env,
  });
  const logs: string[] = [];
  const app = await createApp(config, {
    // The message, then any fields as JSON (errors with their message and stack), so that the
    // secret and personal-data scans over `logs` cover everything a line carries.
    log: (line, fields) => logs.push(fields ? `${line} ${JSON.stringify(fields, withErrors)}` : line),
    startReconciler: false,
    khalti: { timeouts: { connectMs: 1000, headersMs: 1500, bodyMs: 1500, totalMs: 2500 }, retries: { max: 1, baseDelayMs: 20 } },
    ...options,
  });

  return {
    app,
    dir,
    databaseFile,
    logs,
    async gql(query, variables, key = CLIENT_KEY) {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (key) headers.authorization = `Bearer ${key}`;
      const response = await request(`${app.url}/graphql`, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
      const body = (await response.body.json()) as GqlResult<any>;
      return { ...body, status: response.statusCode };
    },
    control: controlClient(`${app.url}/sandbox`),
    async close() {
      await app.close();
      await postgres?.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function withErrors(_key: string, value: unknown): unknown {
  return value instanceof Error ? { name: value.name, message: value.message, stack: value.stack } : value;
}

/** API requests the embedded emulator received for a route (initiate, lookup, refund, banks, status). */
export async function upstreamRequests(gateway: TestGateway, route: string): Promise<number> {
  const log = (await gateway.control('GET', '/requests')) as { route: string }[] | { requests: { route: string }[] };
  const entries = Array.isArray(log) ? log : log.requests;
  return entries.filter((entry) => entry.route === route).length;
}
