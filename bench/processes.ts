/**
 * The servers bench/scale.ts measures, each a real process over a real port: the gateway
 * (`node --import tsx src/main.ts`, as test/support/processes.ts starts it) and the raw ws
 * baseline (bench/raw-broadcast.mjs). Each runs with --expose-gc and bench/gc-probe.mjs preloaded,
 * behind `ulimit -n` (so that 10,000 sockets fit), and answers memory() over an IPC channel.
 * Also the subscribers' client process (bench/ws-clients.mjs).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { request } from 'undici';

const ROOT = resolve(__dirname, '..');
/** Descriptors asked for each process (10,000 sockets and what else a server opens; capped by the hard limit). */
export const FD_LIMIT = 20_000;

/** `sh -c` raises the soft limit as far as the hard one allows, then becomes node (same pid, IPC kept). */
function spawnNode(args: string[], env: Record<string, string>, stdio: number | 'inherit'): ChildProcess {
  const script = `ulimit -n ${FD_LIMIT} 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$0" "$@"`;
  return spawn('sh', ['-c', script, process.execPath, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', stdio, stdio, 'ipc'],
    serialization: 'advanced',
  });
}

export interface MemoryUsage {
  collected: boolean;
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
}

export interface ServerProcess {
  url: string;
  pid: number;
  /** User + system CPU time of the process so far, ms (from /proc/PID/stat). */
  cpuMs(): number;
  /** process.memoryUsage() after two full collections. */
  memory(): Promise<MemoryUsage>;
  /** The soft open-files limit the process runs with. */
  openFileLimit(): number | null;
  output(): string;
  close(): Promise<void>;
}

export function processCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime, stime; USER_HZ 100
}

function ask<T>(child: ChildProcess, message: Record<string, unknown>, match: (answer: any) => boolean): Promise<T> {
  return new Promise((resolvePromise, reject) => {
    const onMessage = (answer: any) => {
      if (!match(answer)) return;
      child.off('message', onMessage);
      child.off('exit', onExit);
      if (answer.error) reject(new Error(answer.error));
      else resolvePromise(answer as T);
    };
    const onExit = (code: number | null) => {
      child.off('message', onMessage);
      reject(new Error(`process exited (${code}) before it answered ${String(message.type)}`));
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
    child.send(message);
  });
}

/** A port free on 127.0.0.1 now (the server is told it; nothing else here binds ports meanwhile). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

/**
 * The server's output goes to a file of the bench's temp folder (the gateway logs a line per
 * request at the default level, as in production; a file costs the bench process nothing, a pipe
 * would cost it a read per line). Ready when GET /healthz answers 200.
 */
async function startServer(args: string[], env: Record<string, string>, what: string, logFile: string): Promise<ServerProcess> {
  const port = await freePort();
  const out = openSync(logFile, 'a');
  const child = spawnNode(['--expose-gc', '--import', './bench/gc-probe.mjs', ...args], { ...env, PORT: String(port), HOST: '127.0.0.1' }, out);
  closeSync(out);
  const output = () => {
    try {
      return readFileSync(logFile, 'utf8').slice(-20_000);
    } catch {
      return '';
    }
  };
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${what} exited (${child.exitCode ?? child.signalCode}) before it answered /healthz:\n${output()}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${what} did not answer /healthz within 60 s:\n${output()}`);
    }
    try {
      const response = await request(`${url}/healthz`, { headersTimeout: 2000, bodyTimeout: 2000 });
      await response.body.dump();
      if (response.statusCode === 200) break;
    } catch {
      // not listening yet
    }
    await new Promise((done) => setTimeout(done, 100));
  }
  const pid = child.pid!;
  return {
    url,
    pid,
    cpuMs: () => processCpuMs(pid),
    memory: () => ask<MemoryUsage>(child, { type: 'memory' }, (answer) => answer?.type === 'memory'),
    openFileLimit() {
      const match = /^Max open files\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/limits`, 'utf8'));
      return match ? Number(match[1]) : null;
    },
    output,
    async close() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(killer);
    },
  };
}

export function startGatewayProcess(env: Record<string, string>, logFile: string): Promise<ServerProcess> {
  return startServer(['--import', 'tsx', 'src/main.ts'], env, 'the gateway', logFile);
}

export function startRawBroadcast(logFile: string): Promise<ServerProcess> {
  return startServer([join('bench', 'raw-broadcast.mjs')], {}, 'the raw ws server', logFile);
}

export interface RoundResult {
  latencies: Float64Array;
  missing: number;
  triggerMs: number;
  status: number;
  answer: string;
  sample: string | null;
}

/** One bench/ws-clients.mjs process: the sockets of one server. */
export class WsClients {
  private readonly child = spawnNode([join('bench', 'ws-clients.mjs')], {}, 'inherit');
  private nextId = 1;
  readonly pid = this.child.pid!;

  private ask<T>(message: Record<string, unknown>): Promise<T> {
    const id = this.nextId++;
    return ask<T>(this.child, { ...message, id }, (answer) => answer?.id === id);
  }

  open(options: { url: string; count: number; protocol: 'graphql-ws' | 'raw'; authorization?: string; query?: string; variables?: Record<string, unknown> }) {
    return this.ask<{ opened: number; failed: number; firstError: string | null }>({ type: 'open', ...options });
  }

  round(trigger: { url: string; body: string; headers: Record<string, string> }, timeoutMs: number): Promise<RoundResult> {
    return this.ask<RoundResult>({ type: 'round', trigger, timeoutMs });
  }

  async closeSockets(): Promise<void> {
    await this.ask({ type: 'close' });
  }

  async close(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise<void>((done) => this.child.once('exit', () => done()));
    this.child.disconnect();
    const killer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(killer);
  }
}
