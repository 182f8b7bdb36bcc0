/**
 * Benchmarks of the gateway over real loopback HTTP (`npm run bench`).
 *
 * Starts the gateway in this process through createApp (embedded Khalti emulator, SQLite in a
 * temporary FILE, port 0 on 127.0.0.1, no reconciler), then sends a fixed number of GraphQL
 * requests per operation at 1 and 8 concurrent clients and reports requests/s and latency
 * percentiles. The load generator runs in a worker thread (bench/load-worker.mjs) so that it does
 * not share the gateway's event loop; the gateway, the emulator it calls and SQLite do share one,
 * as they do in production with KHALTI_ENV=embedded.
 *
 * Counts, not durations, so runs are comparable. BENCH_SCALE (default 1) multiplies every count.
 * Prints a Markdown table and writes it to bench/results.md. Exits 0 when every request succeeded
 * and said what it should; 1 otherwise.
 */
import 'reflect-metadata';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { createApp, type App } from '../src/app';
import { loadConfig } from '../src/config';
import { silentLog } from '../src/logger';
import { INITIATE, PAYMENT, REFUND, VERIFY, orderInput } from './operations';

const ADMIN_KEY = 'bench-admin-key-0123456789abcdef';
const CLIENT_KEY = 'bench-client-key-0123456789abcdef';
const CONCURRENCIES = [1, 8] as const;
const MAX_CONCURRENCY = Math.max(...CONCURRENCIES);
const REQUEST_TIMEOUT_MS = 10_000;
/** The whole run is bounded: anything stuck past this fails it. */
const DEADLINE_MS = 120_000;

const scale = Number(process.env.BENCH_SCALE ?? '1');
if (!(scale > 0)) throw new Error('BENCH_SCALE must be a positive number');
const n = (count: number) => Math.max(1, Math.round(count * scale));

/** Requests per (operation, concurrency). */
const COUNTS = {
  /** Payments the warm-up takes through every path; V8 needs a few thousand requests to settle. */
  warmup: n(400),
  initiate: { 1: n(300), 8: n(600) },
  verifyChange: { 1: n(300), 8: n(600) },
  verifyNoChange: { 1: n(300), 8: n(600) },
  read: { 1: n(1500), 8: n(2500) },
  refund: { 1: n(300), 8: n(600) },
  auditRows: n(10_000),
};

// ---------------------------------------------------------------------------------------------
// Load generation

interface HttpRequest {
  method: 'GET' | 'POST';
  path: string;
  body?: string;
  key?: string;
}

interface RunResult {
  latencies: Float64Array;
  statuses: Int32Array;
  bodies: string[];
  elapsedMs: number;
}

class LoadGenerator {
  private readonly worker: Worker;

  constructor(origin: string) {
    this.worker = new Worker(join(__dirname, 'load-worker.mjs'), {
      workerData: { origin, connections: MAX_CONCURRENCY, timeoutMs: REQUEST_TIMEOUT_MS },
    });
  }

  run(requests: HttpRequest[], concurrency: number): Promise<RunResult> {
    return new Promise((resolve, reject) => {
      const onError = (error: Error) => reject(error);
      this.worker.once('error', onError);
      this.worker.once('message', (message: RunResult | { error: string }) => {
        this.worker.off('error', onError);
        if ('error' in message) reject(new Error(message.error));
        else resolve(message);
      });
      this.worker.postMessage({ type: 'run', requests, concurrency });
    });
  }

  async close(): Promise<void> {
    const exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
    this.worker.postMessage({ type: 'close' });
    await Promise.race([exited, new Promise<void>((resolve) => setTimeout(resolve, 2000).unref())]);
    await this.worker.terminate();
  }
}

const gql = (query: string, variables: Record<string, unknown>, key: string): HttpRequest => ({
  method: 'POST',
  path: '/graphql',
  body: JSON.stringify({ query, variables }),
  key,
});

/** Parses one GraphQL response; throws (with the response) when it is not a clean 200. */
function dataOf(status: number, body: string): any {
  if (status !== 200) throw new Error(`HTTP ${status}: ${body.slice(0, 300)}`);
  const parsed = JSON.parse(body) as { data?: any; errors?: unknown[] };
  if (parsed.errors?.length) throw new Error(`GraphQL errors: ${body.slice(0, 300)}`);
  return parsed.data;
}

/** Runs requests and checks every response; returns what check returned for each. */
async function send<T>(
  load: LoadGenerator,
  requests: HttpRequest[],
  concurrency: number,
  check: (data: any, index: number) => T,
): Promise<{ result: RunResult; values: T[] }> {
  const result = await load.run(requests, concurrency);
  const values: T[] = [];
  const failures: string[] = [];
  result.bodies.forEach((body, index) => {
    try {
      values.push(check(dataOf(result.statuses[index]!, body), index));
    } catch (error) {
      failures.push(error instanceof Error ? error.message : String(error));
    }
  });
  if (failures.length) {
    throw new Error(`${failures.length} of ${requests.length} requests failed; first: ${failures[0]}`);
  }
  return { result, values };
}

// ---------------------------------------------------------------------------------------------
// Statistics and report

interface Row {
  operation: string;
  concurrency: string;
  requests: number;
  perSecond: number;
  p50: number;
  p95: number;
  p99: number;
  auditRowsPerRequest: number | null;
  /** CPU cores other processes on the machine used during the phase (null where unknown). */
  otherCores: number | null;
}

// ---------------------------------------------------------------------------------------------
// Contention: the machine is shared, so each phase says how much CPU everything else took.

interface CpuSample {
  machineBusyMs: number | null;
  ownMs: number;
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

function cpuSample(): CpuSample {
  const own = process.cpuUsage(); // all threads of this process, the load worker included
  return { machineBusyMs: machineBusyMs(), ownMs: (own.user + own.system) / 1000, at: performance.now() };
}

/** Cores used by other processes between two samples. */
function otherCores(before: CpuSample, after: CpuSample): number | null {
  if (before.machineBusyMs === null || after.machineBusyMs === null) return null;
  const others = after.machineBusyMs - before.machineBusyMs - (after.ownMs - before.ownMs);
  return Math.max(0, others / (after.at - before.at));
}

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: ArrayLike<number>, p: number): number {
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

function row(
  operation: string,
  concurrency: number | string,
  latencies: Float64Array,
  elapsedMs: number,
  auditRows: number | null,
  cpu: { before: CpuSample; after: CpuSample },
): Row {
  const sorted = Float64Array.from(latencies).sort();
  return {
    operation,
    concurrency: String(concurrency),
    requests: latencies.length,
    perSecond: (latencies.length / elapsedMs) * 1000,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    auditRowsPerRequest: auditRows === null ? null : auditRows / latencies.length,
    otherCores: otherCores(cpu.before, cpu.after),
  };
}

const fmtRate = (value: number) => (value >= 100 ? Math.round(value).toLocaleString('en-US') : value.toFixed(1));
const fmtCores = (value: number | null) => (value === null ? 'unknown' : value.toFixed(2));
const fmtMs = (value: number) => (value >= 10 ? value.toFixed(1) : value.toFixed(2));

function table(rows: Row[]): string {
  const lines = [
    '| operation | concurrency | requests | req/s | p50 ms | p95 ms | p99 ms | audit rows/req | other processes, cores |',
    '|---|--:|--:|--:|--:|--:|--:|--:|--:|',
  ];
  for (const r of rows) {
    const audit = r.auditRowsPerRequest === null ? '-' : r.auditRowsPerRequest.toFixed(1).replace(/\.0$/, '');
    lines.push(
      `| ${r.operation} | ${r.concurrency} | ${r.requests.toLocaleString('en-US')} | ${fmtRate(r.perSecond)} | ${fmtMs(r.p50)} | ${fmtMs(r.p95)} | ${fmtMs(r.p99)} | ${audit} | ${r.otherCores === null ? '-' : fmtCores(r.otherCores)} |`,
    );
  }
  return lines.join('\n');
}

/** Which code was measured: the commit, and whether src/ differed from it (read-only git calls). */
function sourceVersion(): string {
  const root = join(__dirname, '..');
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    let dirty = false;
    try {
      execFileSync('git', ['diff', '--quiet', 'HEAD', '--', 'src', 'drizzle'], { cwd: root, stdio: 'ignore' });
    } catch {
      dirty = true;
    }
    return dirty ? `${commit} with uncommitted changes under src/ or drizzle/` : commit;
  } catch {
    return 'unknown (not a git checkout)';
  }
}

// ---------------------------------------------------------------------------------------------
// The benchmark

async function main(): Promise<void> {
  const startedAt = performance.now();
  const loadBefore = loadavg()[0]!;
  const cpuAtStart = cpuSample();
  const dir = mkdtempSync(join(tmpdir(), 'khalti-graphql-bench-'));
  const deadline = setTimeout(() => {
    console.error(`bench: still running after ${DEADLINE_MS / 1000} s; giving up`);
    rmSync(dir, { recursive: true, force: true });
    process.exit(1);
  }, DEADLINE_MS);
  deadline.unref();
  let app: App | null = null;
  let load: LoadGenerator | null = null;
  try {
    const config = loadConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      KHALTI_ENV: 'embedded',
      DATABASE_URL: `file:${join(dir, 'bench.sqlite')}`,
      GATEWAY_ADMIN_KEYS: ADMIN_KEY,
      GATEWAY_CLIENT_KEYS: CLIENT_KEY,
      // The bench measures the gateway, not the per-key rate limiter: 0 turns each limit off.
      RATE_LIMIT_PER_MINUTE: '0',
      RATE_LIMIT_INITIATE_PER_MINUTE: '0',
      RATE_LIMIT_REFUND_PER_MINUTE: '0',
    });
    app = await createApp(config, { log: silentLog, startReconciler: false });
    load = new LoadGenerator(app.url);
    const gateway = app;
    const loader = load;
    const auditCount = async () => (await gateway.services.audit.page({ first: 1 })).totalCount;
    const rows: Row[] = [];
    let orders = 0;
    const orderId = () => `bench-${process.pid}-${++orders}`;

    // --- building blocks (each checks every response) -----------------------------------------
    const initiate = (count: number, concurrency: number) =>
      send(
        loader,
        Array.from({ length: count }, () => gql(INITIATE, { input: orderInput(orderId()) }, CLIENT_KEY)),
        concurrency,
        (data) => {
          const payload = data.initiatePayment;
          if (payload.userErrors.length || payload.payment?.status !== 'INITIATED') throw new Error(`initiate: ${JSON.stringify(payload)}`);
          return payload.payment.pidx as string;
        },
      );
    const completeAtEmulator = (pidxs: string[]) =>
      loader.run(
        pidxs.map((pidx) => ({ method: 'POST', path: `/sandbox/__control/payments/${encodeURIComponent(pidx)}/complete`, body: '{}' })),
        MAX_CONCURRENCY,
      ).then((result) => {
        const bad = Array.from(result.statuses).findIndex((status) => status !== 200);
        if (bad >= 0) throw new Error(`complete ${pidxs[bad]}: ${result.statuses[bad]} ${result.bodies[bad]}`);
      });
    const verify = (pidxs: string[], concurrency: number) =>
      send(loader, pidxs.map((pidx) => gql(VERIFY, { pidx }, CLIENT_KEY)), concurrency, (data, i) => {
        const payment = data.verifyPayment;
        if (payment?.pidx !== pidxs[i] || payment.status !== 'COMPLETED' || !payment.paid) throw new Error(`verify: ${JSON.stringify(payment)}`);
      });
    const read = (pidxs: string[], count: number, concurrency: number) => {
      const asked = Array.from({ length: count }, (_, i) => pidxs[i % pidxs.length]!);
      return send(loader, asked.map((pidx) => gql(PAYMENT, { pidx }, CLIENT_KEY)), concurrency, (data, i) => {
        const payment = data.payment;
        if (payment?.pidx !== asked[i] || payment.status !== 'COMPLETED' || !payment.paid) throw new Error(`payment: ${JSON.stringify(payment)}`);
      });
    };
    const refund = (pidxs: string[], concurrency: number) =>
      send(loader, pidxs.map((pidx) => gql(REFUND, { input: { pidx } }, ADMIN_KEY)), concurrency, (data, i) => {
        const payload = data.refund;
        if (
          payload.userErrors.length ||
          payload.refund?.state !== 'SUCCEEDED' ||
          payload.refund.amount !== 1300 ||
          payload.payment?.pidx !== pidxs[i] ||
          payload.payment.status !== 'REFUNDED'
        ) {
          throw new Error(`refund: ${JSON.stringify(payload)}`);
        }
      });
    /** Runs a measured phase and records its row, with the audit rows it wrote per request. */
    const measure = async (operation: string, concurrency: number, phase: () => Promise<{ result: RunResult }>) => {
      const auditBefore = await auditCount();
      const before = cpuSample();
      const { result } = await phase();
      const after = cpuSample();
      rows.push(row(operation, concurrency, result.latencies, result.elapsedMs, (await auditCount()) - auditBefore, { before, after }));
      const last = rows.at(-1)!;
      process.stderr.write(
        `  ${operation} x${concurrency}: ${fmtRate(last.perSecond)} req/s, p50 ${fmtMs(last.p50)} ms, other processes ${fmtCores(last.otherCores)} cores\n`,
      );
    };

    // --- warm-up: every path, not recorded ------------------------------------------------------
    process.stderr.write(`bench: gateway at ${gateway.url}, warming up\n`);
    const warm = (await initiate(COUNTS.warmup, MAX_CONCURRENCY)).values;
    await completeAtEmulator(warm);
    await verify(warm, MAX_CONCURRENCY);
    await verify(warm, MAX_CONCURRENCY);
    await read(warm, COUNTS.warmup * 5, MAX_CONCURRENCY);
    await refund(warm, MAX_CONCURRENCY);

    // --- 1. initiatePayment ---------------------------------------------------------------------
    const byConcurrency = new Map<number, string[]>();
    for (const c of CONCURRENCIES) {
      await measure('initiatePayment', c, async () => {
        const sent = await initiate(COUNTS.initiate[c], c);
        byConcurrency.set(c, sent.values);
        return sent;
      });
    }

    // The buyer pays at the emulator (not measured).
    const all = CONCURRENCIES.flatMap((c) => byConcurrency.get(c)!);
    await completeAtEmulator(all);

    // --- 3. verifyPayment: lookup + the INITIATED -> COMPLETED write, each payment once ---------
    for (const c of CONCURRENCIES) {
      await measure('verifyPayment (status change)', c, () => verify(byConcurrency.get(c)!.slice(0, COUNTS.verifyChange[c]), c));
    }
    // ... and again on the same payments: lookup only, nothing changes, nothing written.
    for (const c of CONCURRENCIES) {
      await measure('verifyPayment (no change)', c, () => verify(byConcurrency.get(c)!.slice(0, COUNTS.verifyNoChange[c]), c));
    }

    // --- 2. payment(pidx) of COMPLETED payments: a final status, so no upstream call ----------------
    for (const c of CONCURRENCIES) {
      await measure('payment(pidx) (COMPLETED, read)', c, () => read(all, COUNTS.read[c], c));
    }

    // --- 5. full refunds (admin), each completed payment once ------------------------------------
    let offset = 0;
    for (const c of CONCURRENCIES) {
      const pidxs = all.slice(offset, offset + COUNTS.refund[c]);
      offset += pidxs.length;
      if (pidxs.length < COUNTS.refund[c]) throw new Error('not enough completed payments to refund');
      await measure('refund (full)', c, () => refund(pidxs, c));
    }

    // --- 4. the audit insert alone, in this process, through the app's AuditService ---------------
    {
      const audit = gateway.services.audit;
      const latencies = new Float64Array(COUNTS.auditRows);
      const auditBefore = await auditCount();
      const request = { pidx: 'bench-audit' };
      const response = { pidx: 'bench-audit', total_amount: 1300, status: 'Completed', transaction_id: 'GFq9PFS7b2iYvL8Lir9oXe', fee: 0, refunded: false };
      const before = cpuSample();
      const started = performance.now();
      for (let i = 0; i < latencies.length; i++) {
        const t0 = performance.now();
        await audit.recordUpstreamCall({
          operation: 'lookup',
          method: 'POST',
          path: '/api/v2/epayment/lookup/',
          pidx: 'bench-audit',
          attempt: 1,
          httpStatus: 200,
          durationMs: 3.2,
          request,
          response,
          startedAt: new Date(),
        });
        latencies[i] = performance.now() - t0;
      }
      const elapsedMs = performance.now() - started;
      const after = cpuSample();
      rows.push(row('audit insert (AuditService, in-process)', '1 (awaited)', latencies, elapsedMs, (await auditCount()) - auditBefore, { before, after }));
      process.stderr.write(`  audit insert: ${fmtRate(rows.at(-1)!.perSecond)} rows/s\n`);
    }

    // --- report ----------------------------------------------------------------------------------
    const cpuList = cpus();
    const report = [
      '# Benchmark results',
      '',
      `- Date: ${new Date().toISOString()}`,
      `- Code: ${sourceVersion()}`,
      `- Node: ${process.version} (${process.platform} ${process.arch})`,
      `- CPU: ${cpuList[0]?.model ?? 'unknown'} (${cpuList.length} logical cores)`,
      `- Load average (1 min) before / after: ${loadBefore.toFixed(2)} / ${loadavg()[0]!.toFixed(2)}; ` +
        `CPU used by other processes during the run: ${fmtCores(otherCores(cpuAtStart, cpuSample()))} cores ` +
        '(per phase in the last column; figures taken while other work ran are lower and noisier)',
      `- Wall time: ${((performance.now() - startedAt) / 1000).toFixed(1)} s`,
      `- Command: \`npx tsx bench/run.ts\`${scale !== 1 ? ` with BENCH_SCALE=${scale}` : ''}`,
      '- Setup: gateway in-process via createApp, KHALTI_ENV=embedded (the emulator answers over loopback HTTP in the same process), ' +
        'SQLite file in a temp dir (WAL, synchronous=FULL), reconciler off, log silent. Clients: undici Pool in a worker thread, ' +
        'keep-alive, one connection per concurrent client, 127.0.0.1 only. Fixed request counts after a warm-up of every path.',
      '- req/s is requests divided by the wall time of the phase; the audit row counts every row the phase wrote (upstream calls, status changes, refund steps).',
      '',
      table(rows),
      '',
    ].join('\n');
    process.stdout.write(`\n${report}\n`);
    writeFileSync(join(__dirname, 'results.md'), report);
    process.stderr.write(`bench: done in ${((performance.now() - startedAt) / 1000).toFixed(1)} s; wrote bench/results.md\n`);
  } finally {
    await load?.close();
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
    clearTimeout(deadline);
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error('bench failed:', error instanceof Error ? (error.stack ?? error.message) : error);
    process.exit(1);
  },
);
