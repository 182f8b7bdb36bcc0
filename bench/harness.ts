/**
 * What bench/run.ts and bench/profile-verify.ts share: the load generator (a worker thread), the
 * fake Khalti (another worker thread), the gateway's configurations, a fresh PostgreSQL database,
 * response checks and the CPU accounting that says how busy the rest of the machine was.
 */
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { Client } from 'pg';

export const ADMIN_KEY = 'bench-admin-key-0123456789abcdef';
export const CLIENT_KEY = 'bench-client-key-0123456789abcdef';
export const SERVER_KEY = 'bench-server-key-0123456789abcdef';
/** What the gateway (and the bare proxy) send the fake Khalti as `Authorization: Key ...`. */
export const KHALTI_SECRET = 'bench-khalti-secret-key-0123456789';
export const REQUEST_TIMEOUT_MS = 10_000;

export type BenchEngine = 'SQLite' | 'PostgreSQL';
const ENGINE_KEYS: Record<string, BenchEngine> = { sqlite: 'SQLite', postgres: 'PostgreSQL', postgresql: 'PostgreSQL' };

/** BENCH_ENGINES (default sqlite,postgres): the engines a run measures. */
export function benchEngines(value = process.env.BENCH_ENGINES ?? 'sqlite,postgres'): BenchEngine[] {
  return value
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter(Boolean)
    .map((name) => {
      const engine = ENGINE_KEYS[name];
      if (!engine) throw new Error(`BENCH_ENGINES: unknown engine "${name}" (sqlite, postgres)`);
      return engine;
    });
}
/** Closed-loop connections per origin: the most concurrent clients any phase uses. */
export const MAX_CONCURRENCY = 8;

// ---------------------------------------------------------------------------------------------
// Load generation

export interface HttpRequest {
  method: 'GET' | 'POST';
  path: string;
  body?: string;
  key?: string;
}

export interface RunResult {
  latencies: Float64Array;
  statuses: Int32Array;
  /** Wall-clock ms each request was sent at (comparable with Date.now() in other processes). */
  startedAt: Float64Array;
  bodies: string[];
  elapsedMs: number;
}

type Answer = (RunResult & { id: number }) | { id: number; error: string };

export class LoadGenerator {
  private readonly worker: Worker;
  private readonly pending = new Map<number, { resolve(result: RunResult): void; reject(error: Error): void }>();
  private nextId = 1;

  constructor() {
    this.worker = new Worker(join(__dirname, 'load-worker.mjs'), {
      workerData: { connections: MAX_CONCURRENCY, pacedConnections: 64, timeoutMs: REQUEST_TIMEOUT_MS },
    });
    this.worker.on('message', (message: Answer) => {
      const waiter = this.pending.get(message.id);
      if (!waiter) return;
      this.pending.delete(message.id);
      if ('error' in message) waiter.reject(new Error(message.error));
      else waiter.resolve(message);
    });
    this.worker.on('error', (error) => {
      for (const waiter of this.pending.values()) waiter.reject(error);
      this.pending.clear();
    });
  }

  private ask(message: Record<string, unknown>): Promise<RunResult> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...message, id });
    });
  }

  /** Closed loop: every request once, or (durationMs) for that long, cycling through them with cycle. */
  run(origin: string, requests: HttpRequest[], concurrency: number, options: { durationMs?: number; cycle?: boolean } = {}): Promise<RunResult> {
    return this.ask({ type: 'run', origin, requests, concurrency, ...options });
  }

  /** Open loop: one request every intervalMs for durationMs, on connections of its own. */
  paced(origin: string, requests: HttpRequest[], intervalMs: number, durationMs: number): Promise<RunResult> {
    return this.ask({ type: 'paced', origin, requests, intervalMs, durationMs });
  }

  async close(): Promise<void> {
    const exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
    this.worker.postMessage({ type: 'close' });
    await Promise.race([exited, new Promise<void>((resolve) => setTimeout(resolve, 2000).unref())]);
    await this.worker.terminate();
  }
}

export const gql = (query: string, variables: Record<string, unknown>, key: string): HttpRequest => ({
  method: 'POST',
  path: '/graphql',
  body: JSON.stringify({ query, variables }),
  key,
});

/** Parses one GraphQL response; throws (with the response) when it is not a clean 200. */
export function dataOf(status: number, body: string): any {
  if (status !== 200) throw new Error(`HTTP ${status}: ${body.slice(0, 300)}`);
  const parsed = JSON.parse(body) as { data?: any; errors?: unknown[] };
  if (parsed.errors?.length) throw new Error(`GraphQL errors: ${body.slice(0, 300)}`);
  return parsed.data;
}

/** Throws unless check accepted every response (check gets the status, the body and the index). */
export function checkAll(what: string, result: RunResult, check: (status: number, body: string, index: number) => void): void {
  const failures: string[] = [];
  result.bodies.forEach((body, index) => {
    try {
      check(result.statuses[index]!, body, index);
    } catch (error) {
      failures.push(error instanceof Error ? error.message : String(error));
    }
  });
  if (failures.length) throw new Error(`${what}: ${failures.length} of ${result.bodies.length} requests failed; first: ${failures[0]}`);
}

// ---------------------------------------------------------------------------------------------
// The fake Khalti

export interface FakeKhalti {
  origin: string;
  stats(): Promise<{ lookups: number; initiates: number }>;
  close(): Promise<void>;
}

export async function startFakeKhalti(): Promise<FakeKhalti> {
  return startKhaltiWorker('fake-khalti.mjs');
}

/**
 * A fake Khalti in a worker thread of its own (bench/<script>, given `workerData`): it posts its
 * port when listening, answers {type: 'stats'} with its counters, and exits on {type: 'close'}.
 * close() may be called more than once.
 */
export async function startKhaltiWorker<Stats>(script: string, workerData?: unknown): Promise<{ origin: string; stats(): Promise<Stats>; close(): Promise<void> }> {
  const worker = new Worker(join(__dirname, script), workerData === undefined ? {} : { workerData });
  const port = await new Promise<number>((resolve, reject) => {
    worker.once('error', reject);
    worker.once('message', (message: { port: number }) => resolve(message.port));
  });
  let closed = false;
  return {
    origin: `http://127.0.0.1:${port}`,
    stats: () =>
      new Promise((resolve) => {
        worker.once('message', resolve);
        worker.postMessage({ type: 'stats' });
      }),
    async close() {
      if (closed) return;
      closed = true;
      const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
      worker.postMessage({ type: 'close' });
      await Promise.race([exited, new Promise<void>((resolve) => setTimeout(resolve, 2000).unref())]);
      await worker.terminate();
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Gateway configurations (environment variables, as an operator would set them)

const COMMON_ENV = {
  PORT: '0',
  HOST: '127.0.0.1',
  // The bench measures the gateway, not the per-key rate limiter: 0 turns each limit off.
  RATE_LIMIT_PER_MINUTE: '0',
  RATE_LIMIT_INITIATE_PER_MINUTE: '0',
  RATE_LIMIT_REFUND_PER_MINUTE: '0',
};

/** KHALTI_ENV=embedded: the gateway's own emulator, served over loopback HTTP in the same process. */
export function embeddedEnv(databaseUrl: string): Record<string, string> {
  return { ...COMMON_ENV, KHALTI_ENV: 'embedded', DATABASE_URL: databaseUrl, GATEWAY_ADMIN_KEYS: ADMIN_KEY, GATEWAY_CLIENT_KEYS: CLIENT_KEY };
}

/** KHALTI_ENV=sandbox against the fake Khalti: a server key initiates, the client key verifies and reads. */
export function sandboxEnv(databaseUrl: string, khaltiBaseUrl: string): Record<string, string> {
  return {
    ...COMMON_ENV,
    KHALTI_ENV: 'sandbox',
    KHALTI_BASE_URL: khaltiBaseUrl,
    KHALTI_SECRET_KEY: KHALTI_SECRET,
    DATABASE_URL: databaseUrl,
    GATEWAY_ADMIN_KEYS: ADMIN_KEY,
    GATEWAY_CLIENT_KEYS: CLIENT_KEY,
    GATEWAY_SERVER_KEYS: SERVER_KEY,
  };
}

// ---------------------------------------------------------------------------------------------
// A fresh PostgreSQL database (PGHOST/PGPORT/PGUSER/PGPASSWORD, default root@127.0.0.1:5432)

export interface BenchPostgres {
  url: string;
  /** The URL without credentials, for the report. */
  shown: string;
  drop(): Promise<void>;
}

export async function createPostgresDatabase(): Promise<BenchPostgres> {
  const host = process.env.PGHOST ?? '127.0.0.1';
  const port = Number(process.env.PGPORT ?? 5432);
  const user = process.env.PGUSER ?? 'root';
  const password = process.env.PGPASSWORD;
  const admin = async <T>(run: (client: Client) => Promise<T>): Promise<T> => {
    const client = new Client({ host, port, user, password, database: 'postgres', connectionTimeoutMillis: 3000 });
    await client.connect();
    try {
      return await run(client);
    } finally {
      await client.end();
    }
  };
  const name = `khalti_bench_${randomBytes(6).toString('hex')}`;
  try {
    await admin((client) => client.query(`CREATE DATABASE "${name}"`));
  } catch (error) {
    throw new Error(`the bench needs PostgreSQL at ${user}@${host}:${port} (PGHOST/PGPORT/PGUSER, or BENCH_ENGINES=sqlite): ${(error as Error).message}`);
  }
  const credentials = password === undefined ? encodeURIComponent(user) : `${encodeURIComponent(user)}:${encodeURIComponent(password)}`;
  let dropped = false;
  return {
    url: `postgres://${credentials}@${host}:${port}/${name}`,
    shown: `postgres://${encodeURIComponent(user)}@${host}:${port}/${name}`,
    async drop() {
      if (dropped) return;
      dropped = true;
      await admin((client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Statistics, and the machine's other work: the machine is shared, so every measurement says how
// much CPU everything else took meanwhile.

export interface CpuSample {
  machineBusyMs: number | null;
  ownMs: number;
  /** CPU time of every process named postgres (the server and its backends), where /proc shows it. */
  postgresMs: number;
  at: number;
}

/** Busy CPU time of the whole machine, from /proc/stat (Linux); null elsewhere. */
function machineBusyMs(): number | null {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    const idle = fields[3]! + (fields[4] ?? 0);
    const total = fields.slice(0, 8).reduce((sum, value) => sum + value, 0);
    return ((total - idle) * 1000) / 100; // USER_HZ is 100 on Linux
  } catch {
    return null;
  }
}

/**
 * CPU time of the PostgreSQL server's processes, read from /proc/PID/stat (utime + stime) of
 * every process whose name is postgres: on the PostgreSQL rows that is work done for the gateway,
 * not contention, so it is counted apart from "other processes". Backends that exit between two
 * samples take their time with them; the gateway's pool keeps its connections, so that is rare.
 */
function postgresMs(): number {
  let ticks = 0;
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return 0;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const open = stat.indexOf('(');
      const close = stat.lastIndexOf(')');
      if (stat.slice(open + 1, close) !== 'postgres') continue;
      const fields = stat.slice(close + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15 of stat)
    } catch {
      // gone meanwhile
    }
  }
  return (ticks * 1000) / 100;
}

export function cpuSample(): CpuSample {
  const own = process.cpuUsage(); // all threads of this process: the load worker and the fake Khalti included
  return { machineBusyMs: machineBusyMs(), ownMs: (own.user + own.system) / 1000, postgresMs: postgresMs(), at: performance.now() };
}

/** Cores used by other processes (neither this one nor PostgreSQL's) between two samples. */
export function otherCores(before: CpuSample, after: CpuSample): number | null {
  if (before.machineBusyMs === null || after.machineBusyMs === null) return null;
  const others = after.machineBusyMs - before.machineBusyMs - (after.ownMs - before.ownMs) - (after.postgresMs - before.postgresMs);
  return Math.max(0, others / (after.at - before.at));
}

/** Cores PostgreSQL's processes used between two samples. */
export function postgresCores(before: CpuSample, after: CpuSample): number {
  return Math.max(0, (after.postgresMs - before.postgresMs) / (after.at - before.at));
}

/** Cores this process (every thread) used between two samples. */
export function ownCores(before: CpuSample, after: CpuSample): number {
  return (after.ownMs - before.ownMs) / (after.at - before.at);
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export const fmtRate = (value: number) => (value >= 100 ? Math.round(value).toLocaleString('en-US') : value.toFixed(1));
export const fmtCores = (value: number | null) => (value === null || Number.isNaN(value) ? 'unknown' : value.toFixed(2));
export const fmtMs = (value: number) => (Number.isNaN(value) ? '-' : value >= 10 ? value.toFixed(1) : value.toFixed(2));
