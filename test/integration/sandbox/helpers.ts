/**
 * Test harness for the emulator: a real express app on a loopback port (port 0), the emulator
 * mounted under /sandbox as the gateway mounts it (or at "/" as standalone), and an undici client.
 */
import express from 'express';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent, request } from 'undici';
import { createEmulator, type Emulator, type EmulatorOptions } from '../../../src/sandbox/emulator';

export const KEY = 'test_secret_key_0123456789abcdef';
export const AUTH = `Key ${KEY}`;

/** A clock tests move by hand. */
export class FakeClock {
  private t: number;
  constructor(start = Date.parse('2025-01-15T06:00:00.000Z')) {
    this.t = start;
  }
  now = (): Date => new Date(this.t);
  advance(ms: number): void {
    this.t += ms;
  }
}

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
   
  json: any;
}

export interface CallOptions {
  body?: unknown;
  /** Sent as application/x-www-form-urlencoded instead of JSON. */
  form?: Record<string, string>;
  /** Authorization header; default AUTH, null for none. */
  auth?: string | null;
  headers?: Record<string, string>;
  /** Raw body with the given content type. */
  raw?: { contentType: string; text: string };
}

export interface Harness {
  root: string;
  origin: string;
  emulator: Emulator;
  server: Server;
  agent: Agent;
  call(method: string, path: string, opts?: CallOptions): Promise<Reply>;
  post(path: string, body?: unknown, opts?: CallOptions): Promise<Reply>;
  get(path: string, opts?: CallOptions): Promise<Reply>;
  /** Initiates a valid payment (fields overridable) and returns the initiate reply's JSON. */
  initiate(overrides?: Record<string, unknown>): Promise<{ pidx: string; payment_url: string; expires_at: string; expires_in: number }>;
  lookup(pidx: string): Promise<Reply>;
  close(): Promise<void>;
}

export function validInitiate(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    return_url: 'https://merchant.example.com/khalti/return',
    website_url: 'https://merchant.example.com/',
    amount: 1300,
    purchase_order_id: `order-${Math.random().toString(36).slice(2, 10)}`,
    purchase_order_name: 'Khalti logo T-shirt',
    ...overrides,
  };
}

export async function startHarness(
  options: Partial<EmulatorOptions> & { mount?: string } = {},
): Promise<Harness> {
  const { mount = '/sandbox', ...emulatorOptions } = options;
  const app = express();
  const server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const root = mount === '/' ? origin : `${origin}${mount}`;
  const emulator = createEmulator({ secretKey: KEY, publicUrl: root, ...emulatorOptions });
  app.use(mount, emulator.router);
  const agent = new Agent({ keepAliveTimeout: 1000 });

  const call = async (method: string, path: string, opts: CallOptions = {}): Promise<Reply> => {
    const headers: Record<string, string> = { ...opts.headers };
    const auth = opts.auth === undefined ? AUTH : opts.auth;
    if (auth !== null) headers.authorization = auth;
    let body: string | undefined;
    if (opts.raw) {
      headers['content-type'] = opts.raw.contentType;
      body = opts.raw.text;
    } else if (opts.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(opts.form).toString();
    } else if (opts.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(opts.body);
    }
    const res = await request(`${root}${path}`, { method: method as 'GET', headers, body, dispatcher: agent });
    const text = await res.body.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.statusCode, headers: res.headers, text, json };
  };

  const harness: Harness = {
    root,
    origin,
    emulator,
    server,
    agent,
    call,
    post: (path, body, opts = {}) => call('POST', path, { ...opts, body }),
    get: (path, opts) => call('GET', path, opts),
    async initiate(overrides = {}) {
      const reply = await call('POST', '/api/v2/epayment/initiate/', { body: validInitiate(overrides) });
      if (reply.status !== 200) throw new Error(`initiate failed: ${reply.status} ${reply.text}`);
      return reply.json;
    },
    lookup: (pidx) => call('POST', '/api/v2/epayment/lookup/', { body: { pidx } }),
    async close() {
      await agent.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return harness;
}
