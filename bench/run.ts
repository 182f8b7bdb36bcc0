/**
 * Benchmarks of the gateway over real loopback HTTP (`npm run bench`), on SQLite and on PostgreSQL.
 *
 * Every server under test listens on 127.0.0.1 in this process's main thread; the clients are a
 * worker thread (bench/load-worker.mjs), so they share no event loop with a server. Per engine:
 *
 * 1. The operations table: the gateway through createApp with KHALTI_ENV=embedded (its emulator
 *    answers over loopback HTTP on the gateway's own event loop, as in production embedded mode),
 *    a fixed number of requests per operation at 1 and 8 concurrent clients.
 * 2. Ratios, side by side: the gateway with KHALTI_ENV=sandbox against a fake Khalti in a worker
 *    thread of its own (bench/fake-khalti.mjs), measured against baselines (bench/baselines.ts)
 *    in interleaved rounds (gateway, baseline, gateway, baseline, ...; the ratio reported is the
 *    median of the rounds' ratios):
 *    - verifyPayment of a COMPLETED payment (no status change) vs a bare undici proxy forwarding
 *      the same lookup to the same fake Khalti;
 *    - payment(pidx) of a COMPLETED payment vs the same express + Apollo stack with a static resolver.
 * 3. SQLite only: /healthz (and a payment read) sampled at a fixed rate while initiatePayment
 *    requests are in flight, with no lock, and while another process (bench/lock-holder.mjs)
 *    holds the database's write lock for 5 s.
 * 4. bench/scale.ts, against gateways running as processes of their own: the open-loop load
 *    (150 req/s of initiate and verify against a fake Khalti adding 300 ms and failing 1% with 503)
 *    on one and two PostgreSQL instances and one SQLite instance, and one pidx's WebSocket
 *    subscribers (1,000 against a raw ws broadcast, then 10,000 held).
 * 5. bench/webhooks.ts: commit -> arrival of webhooks at 50 status changes per second, and
 *    verifyPayment with one subscribed endpoint against none (its own databases and receiver).
 *
 * The machine is shared: every row says how many cores other processes used meanwhile, and the
 * report gives the load average. BENCH_SCALE (default 1) multiplies every count and duration;
 * BENCH_ENGINES (default sqlite,postgres) picks engines, BENCH_PARTS (default ratios,load,subscribers,webhooks)
 * the parts. Only a full run (BENCH_SCALE=1, both engines, every part) writes bench/results.md;
 * any other writes its report to the OS temp folder and says so. Exits 0 when every request of
 * sections 1 to 3 succeeded and said what it should (targets missed, and the load scenario's
 * errors, are reported, not failed); 1 otherwise, or when the run passes its deadline.
 */
import 'reflect-metadata';
import { execFileSync, fork } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { PerformanceObserver, monitorEventLoopDelay, performance, type IntervalHistogram } from 'node:perf_hooks';
import { createApp, type App } from '../src/app';
import { loadConfig } from '../src/config';
import { silentLog } from '../src/logger';
import { startBareProxy, startStaticGraphql, type Baseline } from './baselines';
import {
  benchEngines,
  type BenchEngine,
  ADMIN_KEY,
  CLIENT_KEY,
  MAX_CONCURRENCY,
  SERVER_KEY,
  KHALTI_SECRET,
  LoadGenerator,
  checkAll,
  cpuSample,
  createPostgresDatabase,
  dataOf,
  embeddedEnv,
  fmtCores,
  fmtMs,
  fmtRate,
  gql,
  median,
  otherCores,
  percentile,
  postgresCores,
  sandboxEnv,
  startFakeKhalti,
  type BenchPostgres,
  type CpuSample,
  type FakeKhalti,
  type HttpRequest,
  type RunResult,
} from './harness';
import { INITIATE, PAYMENT, REFUND, VERIFY, orderInput } from './operations';
import { loadSection, measureLoad, measureSubscribers, subscriberSection, type ScaleOptions } from './scale';
import { runWebhookBench } from './webhooks';

const CONCURRENCIES = [1, 8] as const;
/** The whole run is bounded: anything stuck past this fails it (a full run takes 8 to 13 minutes). */
const DEADLINE_MS = 1_500_000;

const scale = Number(process.env.BENCH_SCALE ?? '1');
if (!(scale > 0)) throw new Error('BENCH_SCALE must be a positive number');
const n = (count: number) => Math.max(1, Math.round(count * scale));
const ms = (duration: number, floor: number) => Math.max(floor, Math.round(duration * scale));

type EngineName = BenchEngine;
const engines = benchEngines();
/** BENCH_PARTS (default all): ratios (sections 1 to 3 above), load, subscribers (bench/scale.ts), webhooks (bench/webhooks.ts). */
const PART_NAMES = ['ratios', 'load', 'subscribers', 'webhooks'] as const;
type Part = (typeof PART_NAMES)[number];
const parts = new Set(
  (process.env.BENCH_PARTS ?? PART_NAMES.join(','))
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter(Boolean)
    .map((name) => {
      if (!(PART_NAMES as readonly string[]).includes(name)) throw new Error(`BENCH_PARTS: unknown part "${name}" (${PART_NAMES.join(', ')})`);
      return name as Part;
    }),
);
const fullRun = scale === 1 && engines.includes('SQLite') && engines.includes('PostgreSQL') && parts.size === PART_NAMES.length;

/** Requests per (operation, concurrency) in the operations table. */
const COUNTS = {
  /** Payments the warm-up takes through every path (not recorded). */
  warmup: n(150),
  initiate: { 1: n(100), 8: n(200) },
  verifyChange: { 1: n(100), 8: n(200) },
  verifyNoChange: { 1: n(100), 8: n(200) },
  read: { 1: n(500), 8: n(800) },
  refund: { 1: n(100), 8: n(200) },
  auditRows: n(500),
};

/** Interleaved rounds per comparison; each side runs for ROUND_MS per round, after one warm-up run each. */
const ROUNDS = 5;
const ROUND_MS = ms(700, 150);
const WARM_MS = ms(500, 150);
/** COMPLETED payments the sandbox gateway verifies and reads in the rounds (cycled through). */
const SANDBOX_PAYMENTS = n(300);

/** The SQLite lock test. */
const HOLD_MS = ms(5000, 1000);
const QUIET_MS = ms(2500, 500);
const HEALTHZ_INTERVAL_MS = 5; // 200/s
const READ_INTERVAL_MS = 20; // 50/s
const LOCK_WRITERS = 8;

// ---------------------------------------------------------------------------------------------
// Report rows

interface Row {
  engine: EngineName;
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
  /** PostgreSQL rows: the cores PostgreSQL's processes used (not counted in otherCores). */
  postgresCores: number | null;
}

function row(
  engine: EngineName,
  operation: string,
  concurrency: number | string,
  latencies: Float64Array,
  elapsedMs: number,
  auditRows: number | null,
  cpu: { before: CpuSample; after: CpuSample },
): Row {
  const sorted = Float64Array.from(latencies).sort();
  return {
    engine,
    operation,
    concurrency: String(concurrency),
    requests: latencies.length,
    perSecond: (latencies.length / elapsedMs) * 1000,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    auditRowsPerRequest: auditRows === null ? null : auditRows / latencies.length,
    otherCores: otherCores(cpu.before, cpu.after),
    postgresCores: engine === 'PostgreSQL' ? postgresCores(cpu.before, cpu.after) : null,
  };
}

function operationsTable(rows: Row[]): string {
  const lines = [
    '| engine | operation | clients | requests | req/s | p50 ms | p95 ms | p99 ms | audit rows/req | PostgreSQL, cores | other processes, cores |',
    '|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|',
  ];
  for (const r of rows) {
    const audit = r.auditRowsPerRequest === null ? '-' : r.auditRowsPerRequest.toFixed(1).replace(/\.0$/, '');
    lines.push(
      `| ${r.engine} | ${r.operation} | ${r.concurrency} | ${r.requests.toLocaleString('en-US')} | ${fmtRate(r.perSecond)} | ${fmtMs(r.p50)} | ${fmtMs(r.p95)} | ${fmtMs(r.p99)} | ${audit} | ${r.postgresCores === null ? '-' : fmtCores(r.postgresCores)} | ${fmtCores(r.otherCores)} |`,
    );
  }
  return lines.join('\n');
}

interface Ratio {
  comparison: string;
  baseline: string;
  engine: EngineName;
  concurrency: number;
  target: number;
  rounds: { gateway: number; baseline: number; ratio: number; otherCores: number | null; postgresCores: number | null }[];
  /** Median p50 latency of the gateway's and the baseline's rounds. */
  gatewayP50: number;
  baselineP50: number;
  loadAverage: number;
  /** Upstream lookups the fake Khalti answered per gateway request (verify: 1 expected). */
  lookupsPerRequest: number | null;
}

const ratioOf = (r: Ratio) => median(r.rounds.map((round) => round.ratio));

function ratiosTable(ratios: Ratio[]): string {
  const lines = [
    '| comparison | engine | clients | gateway req/s | baseline req/s | ratio (median of rounds) | round ratios, min to max | target | gateway / baseline p50 ms | PostgreSQL cores (gateway rounds) | other processes, cores (median) | load avg (1 min) |',
    '|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|',
  ];
  for (const r of ratios) {
    const ratio = ratioOf(r);
    const each = r.rounds.map((round) => round.ratio);
    const cores = r.rounds.map((round) => round.otherCores).filter((value): value is number => value !== null);
    const pg = r.rounds.map((round) => round.postgresCores).filter((value): value is number => value !== null);
    lines.push(
      `| ${r.comparison} vs ${r.baseline} | ${r.engine} | ${r.concurrency} | ${fmtRate(median(r.rounds.map((x) => x.gateway)))} | ${fmtRate(median(r.rounds.map((x) => x.baseline)))} | ` +
        `**${ratio.toFixed(2)}x** | ${Math.min(...each).toFixed(2)} to ${Math.max(...each).toFixed(2)} | >= ${r.target}x ${ratio >= r.target ? '(met)' : '(not met)'} | ` +
        `${fmtMs(r.gatewayP50)} / ${fmtMs(r.baselineP50)} | ${pg.length ? fmtCores(median(pg)) : '-'} | ${cores.length ? fmtCores(median(cores)) : 'unknown'} | ${r.loadAverage.toFixed(2)} |`,
    );
  }
  return lines.join('\n');
}

interface LockCondition {
  condition: string;
  healthz: Float64Array;
  reads: Float64Array;
  writes: { started: number; ok: number; failed: Map<string, number>; okLatencies: Float64Array; failedLatencies: Float64Array } | null;
  otherCores: number | null;
  /**
   * The gateway's (main thread's) event loop over the condition: how late a 2 ms timer fired
   * (p99, max; ms past its due time), and the garbage collector's pauses (longest, total).
   */
  loopDelay: { p99: number; max: number; gcMax: number; gcTotal: number };
  /** Where the slow /healthz samples fell (lock condition only), for the reader of the report. */
  note?: string;
}

function lockTable(conditions: LockCondition[]): string {
  const lines = [
    '| condition | /healthz samples | /healthz p50 ms | /healthz p99 ms | /healthz max ms | /healthz over 50 ms | event loop late p99 / max ms | GC pause max / total ms | payment(pidx) p50 / p99 / max ms | writes started | writes ok (p50 / max ms) | writes failed (codes; p50 / max ms) | other processes, cores |',
    '|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|',
  ];
  const stats = (values: Float64Array) => {
    const sorted = Float64Array.from(values).sort();
    return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.length ? sorted[sorted.length - 1]! : NaN };
  };
  for (const c of conditions) {
    const h = stats(c.healthz);
    const r = stats(c.reads);
    let writes = '- | - | -';
    if (c.writes) {
      const ok = stats(c.writes.okLatencies);
      const bad = stats(c.writes.failedLatencies);
      const codes = [...c.writes.failed].map(([code, count]) => `${count} ${code}`).join(', ');
      writes =
        `${c.writes.started} | ${c.writes.ok}${c.writes.ok ? ` (${fmtMs(ok.p50)} / ${fmtMs(ok.max)})` : ''} | ` +
        `${c.writes.started - c.writes.ok}${codes ? ` (${codes}; ${fmtMs(bad.p50)} / ${fmtMs(bad.max)})` : ''}`;
    }
    lines.push(
      `| ${c.condition} | ${c.healthz.length.toLocaleString('en-US')} | ${fmtMs(h.p50)} | ${fmtMs(h.p99)} | ${fmtMs(h.max)} | ${c.healthz.filter((value) => value > 50).length} | ${fmtMs(c.loopDelay.p99)} / ${fmtMs(c.loopDelay.max)} | ${fmtMs(c.loopDelay.gcMax)} / ${fmtMs(c.loopDelay.gcTotal)} | ${fmtMs(r.p50)} / ${fmtMs(r.p99)} / ${fmtMs(r.max)} | ${writes} | ${fmtCores(c.otherCores)} |`,
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
      execFileSync('git', ['diff', '--quiet', 'HEAD', '--', 'src', 'drizzle', 'bench'], { cwd: root, stdio: 'ignore' });
    } catch {
      dirty = true;
    }
    return dirty ? `${commit} with uncommitted changes under src/, drizzle/ or bench/` : commit;
  } catch {
    return 'unknown (not a git checkout)';
  }
}

const log = (line: string) => process.stderr.write(`${line}\n`);

// ---------------------------------------------------------------------------------------------
// Shared context of one run

interface Bench {
  load: LoadGenerator;
  fake: FakeKhalti;
  proxy: Baseline;
  staticGraphql: Baseline;
  orderId(): string;
}

interface EngineSetup {
  engine: EngineName;
  databaseUrl: string;
  /** SQLite only: the file, for the lock holder. */
  file: string | null;
}

function graphqlCheck(check: (data: any, index: number) => void) {
  return (status: number, body: string, index: number) => check(dataOf(status, body), index);
}

// ---------------------------------------------------------------------------------------------
// 1. The operations table (KHALTI_ENV=embedded)

async function measureOperations(bench: Bench, setup: EngineSetup, rows: Row[]): Promise<void> {
  const { load } = bench;
  const { engine } = setup;
  const app: App = await createApp(loadConfig(embeddedEnv(setup.databaseUrl)), { log: silentLog, startReconciler: false });
  try {
    const origin = app.url;
    const auditCount = async () => (await app.services.audit.page({ first: 1 })).totalCount;
    const send = async (what: string, requests: HttpRequest[], concurrency: number, check: (data: any, index: number) => void) => {
      const result = await load.run(origin, requests, concurrency);
      checkAll(what, result, graphqlCheck(check));
      return result;
    };

    const initiate = async (count: number, concurrency: number) => {
      const pidxs: string[] = [];
      const result = await send(
        'initiate',
        Array.from({ length: count }, () => gql(INITIATE, { input: orderInput(bench.orderId()) }, CLIENT_KEY)),
        concurrency,
        (data) => {
          const payload = data.initiatePayment;
          if (payload.userErrors.length || payload.payment?.status !== 'INITIATED') throw new Error(`initiate: ${JSON.stringify(payload)}`);
          pidxs.push(payload.payment.pidx as string);
        },
      );
      return { result, pidxs };
    };
    const completeAtEmulator = async (pidxs: string[]) => {
      const result = await load.run(
        origin,
        pidxs.map((pidx) => ({ method: 'POST', path: `/sandbox/__control/payments/${encodeURIComponent(pidx)}/complete`, body: '{}' })),
        MAX_CONCURRENCY,
      );
      checkAll('complete at the emulator', result, (status, body) => {
        if (status !== 200) throw new Error(`${status} ${body.slice(0, 200)}`);
      });
    };
    const verify = (pidxs: string[], concurrency: number) =>
      send('verifyPayment', pidxs.map((pidx) => gql(VERIFY, { pidx }, CLIENT_KEY)), concurrency, (data, i) => {
        const payment = data.verifyPayment;
        if (payment?.pidx !== pidxs[i] || payment.status !== 'COMPLETED' || !payment.paid) throw new Error(`verify: ${JSON.stringify(payment)}`);
      });
    const read = (pidxs: string[], count: number, concurrency: number) => {
      const asked = Array.from({ length: count }, (_, i) => pidxs[i % pidxs.length]!);
      return send('payment', asked.map((pidx) => gql(PAYMENT, { pidx }, CLIENT_KEY)), concurrency, (data, i) => {
        const payment = data.payment;
        if (payment?.pidx !== asked[i] || payment.status !== 'COMPLETED' || !payment.paid) throw new Error(`payment: ${JSON.stringify(payment)}`);
      });
    };
    const refund = (pidxs: string[], concurrency: number) =>
      send('refund', pidxs.map((pidx) => gql(REFUND, { input: { pidx } }, ADMIN_KEY)), concurrency, (data, i) => {
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
    const measure = async (operation: string, concurrency: number, phase: () => Promise<RunResult>) => {
      const auditBefore = await auditCount();
      const before = cpuSample();
      const result = await phase();
      const after = cpuSample();
      rows.push(row(engine, operation, concurrency, result.latencies, result.elapsedMs, (await auditCount()) - auditBefore, { before, after }));
      const last = rows.at(-1)!;
      log(`  ${engine} ${operation} x${concurrency}: ${fmtRate(last.perSecond)} req/s, p50 ${fmtMs(last.p50)} ms, other processes ${fmtCores(last.otherCores)} cores`);
    };

    // --- warm-up: every path, not recorded ------------------------------------------------------
    log(`bench: ${engine}: operations table (KHALTI_ENV=embedded), warming up`);
    const warm = (await initiate(COUNTS.warmup, MAX_CONCURRENCY)).pidxs;
    await completeAtEmulator(warm);
    await verify(warm, MAX_CONCURRENCY);
    await verify(warm, MAX_CONCURRENCY);
    await read(warm, COUNTS.warmup * 5, MAX_CONCURRENCY);
    await refund(warm, MAX_CONCURRENCY);

    // --- initiatePayment ----------------------------------------------------------------------------
    const byConcurrency = new Map<number, string[]>();
    for (const c of CONCURRENCIES) {
      await measure('initiatePayment', c, async () => {
        const sent = await initiate(COUNTS.initiate[c], c);
        byConcurrency.set(c, sent.pidxs);
        return sent.result;
      });
    }

    // The buyer pays at the emulator (not measured).
    const all = CONCURRENCIES.flatMap((c) => byConcurrency.get(c)!);
    await completeAtEmulator(all);

    // --- verifyPayment: lookup + the INITIATED -> COMPLETED write, each payment once ---------------
    for (const c of CONCURRENCIES) {
      await measure('verifyPayment (status change)', c, () => verify(byConcurrency.get(c)!.slice(0, COUNTS.verifyChange[c]), c));
    }
    // ... and again on the same payments: lookup only, nothing changes, only the call's audit row written.
    for (const c of CONCURRENCIES) {
      await measure('verifyPayment (no change)', c, () => verify(byConcurrency.get(c)!.slice(0, COUNTS.verifyNoChange[c]), c));
    }

    // --- payment(pidx) of COMPLETED payments: a final status, so no upstream call ------------------
    for (const c of CONCURRENCIES) {
      await measure('payment(pidx) (COMPLETED, read)', c, () => read(all, COUNTS.read[c], c));
    }

    // --- full refunds (admin), each completed payment once -------------------------------------------
    let offset = 0;
    for (const c of CONCURRENCIES) {
      const pidxs = all.slice(offset, offset + COUNTS.refund[c]);
      offset += pidxs.length;
      if (pidxs.length < COUNTS.refund[c]) throw new Error('not enough completed payments to refund');
      await measure('refund (full)', c, () => refund(pidxs, c));
    }

    // --- the audit insert alone, in this process, through the app's AuditService, one at a time ----
    {
      const audit = app.services.audit;
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
      rows.push(row(engine, 'audit insert (AuditService, in-process)', '1 (awaited)', latencies, elapsedMs, (await auditCount()) - auditBefore, { before, after }));
      log(`  ${engine} audit insert: ${fmtRate(rows.at(-1)!.perSecond)} rows/s`);
    }
  } finally {
    await app.close();
  }
}

// ---------------------------------------------------------------------------------------------
// 2. Ratios against baselines (KHALTI_ENV=sandbox, fake Khalti), and 3. the SQLite lock test

interface Side {
  origin: string;
  requests: HttpRequest[];
  check: (status: number, body: string, index: number) => void;
}

/** Gateway and baseline in interleaved rounds of ROUND_MS each, after one warm-up run each. */
async function compare(
  bench: Bench,
  spec: { comparison: string; baseline: string; engine: EngineName; concurrency: number; target: number; gateway: Side; base: Side; countLookups: boolean },
): Promise<Ratio> {
  const { load } = bench;
  const runSide = async (side: Side, durationMs: number) => {
    const result = await load.run(side.origin, side.requests, spec.concurrency, { durationMs, cycle: true });
    checkAll(side === spec.gateway ? spec.comparison : spec.baseline, result, (status, body, i) => side.check(status, body, i % side.requests.length));
    return result;
  };
  await runSide(spec.gateway, WARM_MS);
  await runSide(spec.base, WARM_MS);
  const loadAverage = loadavg()[0]!;
  const rounds: Ratio['rounds'] = [];
  const gatewayP50: number[] = [];
  const baselineP50: number[] = [];
  let lookups = 0;
  let gatewayRequests = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const before = cpuSample();
    const lookupsBefore = spec.countLookups ? (await bench.fake.stats()).lookups : 0;
    const a = await runSide(spec.gateway, ROUND_MS);
    const afterGateway = cpuSample();
    if (spec.countLookups) lookups += (await bench.fake.stats()).lookups - lookupsBefore;
    gatewayRequests += a.latencies.length;
    const b = await runSide(spec.base, ROUND_MS);
    const after = cpuSample();
    const gateway = (a.latencies.length / a.elapsedMs) * 1000;
    const baseline = (b.latencies.length / b.elapsedMs) * 1000;
    gatewayP50.push(percentile(Float64Array.from(a.latencies).sort(), 50));
    baselineP50.push(percentile(Float64Array.from(b.latencies).sort(), 50));
    rounds.push({
      gateway,
      baseline,
      ratio: gateway / baseline,
      otherCores: otherCores(before, after),
      postgresCores: spec.engine === 'PostgreSQL' ? postgresCores(before, afterGateway) : null,
    });
  }
  const result: Ratio = {
    comparison: spec.comparison,
    baseline: spec.baseline,
    engine: spec.engine,
    concurrency: spec.concurrency,
    target: spec.target,
    rounds,
    gatewayP50: median(gatewayP50),
    baselineP50: median(baselineP50),
    loadAverage,
    lookupsPerRequest: spec.countLookups ? lookups / gatewayRequests : null,
  };
  log(
    `  ${spec.engine} ${spec.comparison} vs ${spec.baseline} x${spec.concurrency}: ${fmtRate(median(rounds.map((r) => r.gateway)))} vs ${fmtRate(median(rounds.map((r) => r.baseline)))} req/s, ` +
      `ratio ${ratioOf(result).toFixed(2)}x (rounds ${rounds.map((r) => r.ratio.toFixed(2)).join(' ')})`,
  );
  return result;
}

async function measureRatiosAndLock(bench: Bench, setup: EngineSetup, ratios: Ratio[], locks: LockCondition[]): Promise<void> {
  const { load } = bench;
  const { engine } = setup;
  const app: App = await createApp(loadConfig(sandboxEnv(setup.databaseUrl, bench.fake.origin)), { log: silentLog, startReconciler: false });
  try {
    const origin = app.url;
    log(`bench: ${engine}: ratios (KHALTI_ENV=sandbox against the fake Khalti at ${bench.fake.origin}), preparing ${SANDBOX_PAYMENTS} COMPLETED payments`);
    // Payments the rounds use: initiated by a server key, then verified once (INITIATED -> COMPLETED).
    const initiated = await load.run(
      origin,
      Array.from({ length: SANDBOX_PAYMENTS }, () => gql(INITIATE, { input: orderInput(bench.orderId()) }, SERVER_KEY)),
      MAX_CONCURRENCY,
    );
    const pidxs: string[] = [];
    checkAll('initiate (sandbox)', initiated, graphqlCheck((data) => {
      const payload = data.initiatePayment;
      if (payload.userErrors.length || payload.payment?.status !== 'INITIATED') throw new Error(`initiate: ${JSON.stringify(payload)}`);
      pidxs.push(payload.payment.pidx);
    }));
    const verifyRequests = pidxs.map((pidx) => gql(VERIFY, { pidx }, CLIENT_KEY));
    const verifyCheck = graphqlCheck((data, i) => {
      const payment = data.verifyPayment;
      if (payment?.pidx !== pidxs[i] || payment.status !== 'COMPLETED' || !payment.paid) throw new Error(`verify: ${JSON.stringify(payment)}`);
    });
    checkAll('first verify (sandbox)', await load.run(origin, verifyRequests, MAX_CONCURRENCY), verifyCheck);

    const readRequests = pidxs.map((pidx) => gql(PAYMENT, { pidx }, CLIENT_KEY));
    const readCheck = graphqlCheck((data, i) => {
      const payment = data.payment;
      if (payment?.pidx !== pidxs[i] || payment.status !== 'COMPLETED' || !payment.paid) throw new Error(`payment: ${JSON.stringify(payment)}`);
    });
    const lookupRequests: HttpRequest[] = pidxs.map((pidx) => ({ method: 'POST', path: '/api/v2/epayment/lookup/', body: JSON.stringify({ pidx }) }));
    const lookupCheck = (status: number, body: string, i: number) => {
      if (status !== 200) throw new Error(`proxy: HTTP ${status}: ${body.slice(0, 200)}`);
      const json = JSON.parse(body) as { pidx?: string; status?: string };
      if (json.pidx !== pidxs[i] || json.status !== 'Completed') throw new Error(`proxy: ${body.slice(0, 200)}`);
    };

    for (const c of [8, 1]) {
      ratios.push(
        await compare(bench, {
          comparison: 'verifyPayment (no change)',
          baseline: 'bare undici proxy',
          engine,
          concurrency: c,
          target: 0.3,
          gateway: { origin, requests: verifyRequests, check: verifyCheck },
          base: { origin: bench.proxy.url, requests: lookupRequests, check: lookupCheck },
          countLookups: true,
        }),
      );
    }
    for (const c of [8, 1]) {
      ratios.push(
        await compare(bench, {
          comparison: 'payment(pidx) (COMPLETED)',
          baseline: 'static Apollo + express',
          engine,
          concurrency: c,
          target: 0.7,
          gateway: { origin, requests: readRequests, check: readCheck },
          base: { origin: bench.staticGraphql.url, requests: readRequests, check: readCheck },
          countLookups: true,
        }),
      );
    }

    if (setup.file) await lockTest(bench, app, setup.file, readRequests, locks);
  } finally {
    await app.close();
  }
}

/**
 * /healthz sampled at 200/s and a payment read at 50/s: with nothing else going on; with
 * LOCK_WRITERS initiatePayment requests in flight; and with those writes in flight while another
 * process holds the SQLite write lock for HOLD_MS (only samples and writes sent during the hold count).
 */
async function lockTest(bench: Bench, app: App, file: string, readRequests: HttpRequest[], locks: LockCondition[]): Promise<void> {
  const { load } = bench;
  const origin = app.url;
  const healthz: HttpRequest[] = [{ method: 'GET', path: '/healthz' }];
  const reads = readRequests.slice(0, 50);
  const writeRequests = (count: number) => Array.from({ length: count }, () => gql(INITIATE, { input: orderInput(bench.orderId()) }, SERVER_KEY));
  const healthzCheck = (status: number, body: string) => {
    if (status !== 200 || !body.includes('"ok"')) throw new Error(`/healthz: HTTP ${status}: ${body.slice(0, 200)}`);
  };
  const readCheck = (status: number, body: string) => {
    const payment = dataOf(status, body).payment;
    if (payment?.status !== 'COMPLETED') throw new Error(`payment: ${body.slice(0, 200)}`);
  };
  const inWindow = (result: RunResult, from: number, to: number) => {
    const picked: number[] = [];
    result.startedAt.forEach((at, i) => {
      if (at >= from && at < to) picked.push(i);
    });
    return picked;
  };
  const writeOutcome = (result: RunResult, indexes: number[]): NonNullable<LockCondition['writes']> => {
    const failed = new Map<string, number>();
    const ok: number[] = [];
    const bad: number[] = [];
    for (const i of indexes) {
      const status = result.statuses[i]!;
      const body = result.bodies[i]!;
      let code: string | null = null;
      try {
        const parsed = JSON.parse(body) as { data?: any; errors?: { message?: string; extensions?: { code?: string } }[] };
        if (status === 200 && !parsed.errors?.length && parsed.data?.initiatePayment?.payment?.status === 'INITIATED') code = null;
        else code = parsed.errors?.[0]?.extensions?.code ?? `HTTP ${status}`;
      } catch {
        code = `HTTP ${status}`;
      }
      if (code === null) ok.push(result.latencies[i]!);
      else {
        bad.push(result.latencies[i]!);
        failed.set(code, (failed.get(code) ?? 0) + 1);
      }
    }
    return { started: indexes.length, ok: ok.length, failed, okLatencies: Float64Array.from(ok), failedLatencies: Float64Array.from(bad) };
  };
  const watchLoop = () => {
    const resolutionMs = 2;
    const histogram: IntervalHistogram = monitorEventLoopDelay({ resolution: resolutionMs });
    histogram.enable();
    const gc: number[] = [];
    const observer = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) gc.push(entry.duration);
    });
    observer.observe({ entryTypes: ['gc'] });
    return (): LockCondition['loopDelay'] => {
      histogram.disable();
      observer.disconnect();
      // The histogram holds whole timer intervals: what is late is the part past the resolution.
      const late = (ns: number) => Math.max(0, ns / 1e6 - resolutionMs);
      return { p99: late(histogram.percentile(99)), max: late(histogram.max), gcMax: gc.length ? Math.max(...gc) : 0, gcTotal: gc.reduce((a, b) => a + b, 0) };
    };
  };
  const pick = (values: Float64Array, indexes: number[]) => Float64Array.from(indexes.map((i) => values[i]!));
  const all = (result: RunResult) => Array.from({ length: result.latencies.length }, (_, i) => i);

  log(`bench: SQLite: /healthz while another process holds the write lock for ${HOLD_MS} ms`);
  // Idle: nothing but the samples.
  {
    const before = cpuSample();
    const loop = watchLoop();
    const [h, r] = await Promise.all([load.paced(origin, healthz, HEALTHZ_INTERVAL_MS, QUIET_MS), load.paced(origin, reads, READ_INTERVAL_MS, QUIET_MS)]);
    const loopDelay = loop();
    const after = cpuSample();
    checkAll('/healthz (idle)', h, healthzCheck);
    checkAll('payment (idle)', r, readCheck);
    locks.push({ condition: 'no lock, no writes', healthz: h.latencies, reads: r.latencies, writes: null, otherCores: otherCores(before, after), loopDelay });
  }
  // Writes in flight, no lock.
  {
    const before = cpuSample();
    const loop = watchLoop();
    const [w, h, r] = await Promise.all([
      load.run(origin, writeRequests(3000), LOCK_WRITERS, { durationMs: QUIET_MS }),
      load.paced(origin, healthz, HEALTHZ_INTERVAL_MS, QUIET_MS),
      load.paced(origin, reads, READ_INTERVAL_MS, QUIET_MS),
    ]);
    const loopDelay = loop();
    const after = cpuSample();
    checkAll('/healthz (writes)', h, healthzCheck);
    checkAll('payment (writes)', r, readCheck);
    locks.push({ condition: `no lock, ${LOCK_WRITERS} initiatePayment in flight`, healthz: h.latencies, reads: r.latencies, writes: writeOutcome(w, all(w)), otherCores: otherCores(before, after), loopDelay });
  }
  // Writes in flight while another process holds the write lock.
  {
    const holder = fork(join(__dirname, 'lock-holder.mjs'), [file, String(HOLD_MS)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const messages: { locked?: number; released?: number }[] = [];
    const waitFor = (key: 'locked' | 'released') =>
      new Promise<number>((resolve, reject) => {
        const seen = messages.find((m) => m[key] !== undefined);
        if (seen) return resolve(seen[key]!);
        const onMessage = (message: { locked?: number; released?: number }) => {
          if (message[key] !== undefined) {
            holder.off('message', onMessage);
            resolve(message[key]!);
          }
        };
        holder.on('message', onMessage);
        holder.once('exit', (code) => reject(new Error(`lock holder exited (${code}) before it reported ${key}`)));
      });
    holder.on('message', (message: { locked?: number; released?: number }) => messages.push(message));
    const locked = await waitFor('locked');
    const released = waitFor('released');
    const span = HOLD_MS + 1500;
    const before = cpuSample();
    const loop = watchLoop();
    let holdLoopDelay: LockCondition['loopDelay'] | null = null;
    void released.then(() => {
      holdLoopDelay = loop();
    });
    const afterLoop = released.then(() => watchLoop());
    const [w, h, r] = await Promise.all([
      load.run(origin, writeRequests(3000), LOCK_WRITERS, { durationMs: span }),
      load.paced(origin, healthz, HEALTHZ_INTERVAL_MS, span),
      load.paced(origin, reads, READ_INTERVAL_MS, span),
    ]);
    const after = cpuSample();
    const releasedAt = await released;
    const afterLoopDelay = (await afterLoop)();
    await new Promise<void>((resolve) => (holder.exitCode !== null ? resolve() : holder.once('exit', () => resolve())));
    checkAll('/healthz (lock)', h, healthzCheck);
    checkAll('payment (lock)', r, readCheck);
    const hIn = inWindow(h, locked, releasedAt);
    const rIn = inWindow(r, locked, releasedAt);
    const wIn = inWindow(w, locked, releasedAt);
    const wAfter = inWindow(w, releasedAt, Infinity);
    const slow = hIn
      .filter((i) => h.latencies[i]! > 50)
      .map((i) => `sent ${(h.startedAt[i]! - locked).toFixed(0)} ms into the hold: ${h.latencies[i]!.toFixed(0)} ms`);
    const firstFailure = wIn.map((i) => w.bodies[i]!).find((body) => body.includes('"errors"'));
    locks.push({
      condition: `lock held ${((releasedAt - locked) / 1000).toFixed(1)} s by another process, ${LOCK_WRITERS} initiatePayment in flight (samples sent during the hold)`,
      healthz: pick(h.latencies, hIn),
      reads: pick(r.latencies, rIn),
      writes: writeOutcome(w, wIn),
      otherCores: otherCores(before, after),
      loopDelay: holdLoopDelay ?? { p99: NaN, max: NaN, gcMax: NaN, gcTotal: NaN },
      note:
        `During the hold, /healthz samples over 50 ms: ${slow.length ? slow.join('; ') : 'none'}.` +
        (firstFailure ? ` First failed write's answer: \`${firstFailure.slice(0, 300)}\`.` : ''),
    });
    const afterOutcome = writeOutcome(w, wAfter);
    locks.push({
      condition: 'after the release (same run, samples sent after the rollback)',
      healthz: pick(h.latencies, inWindow(h, releasedAt, Infinity)),
      reads: pick(r.latencies, inWindow(r, releasedAt, Infinity)),
      writes: afterOutcome,
      otherCores: null,
      loopDelay: afterLoopDelay,
    });
  }
  for (const c of locks) {
    const sorted = Float64Array.from(c.healthz).sort();
    if (c.note) log(`  ${c.note}`);
    log(`  ${c.condition}: /healthz p50 ${fmtMs(percentile(sorted, 50))} ms, p99 ${fmtMs(percentile(sorted, 99))} ms` + (c.writes ? `, writes ${c.writes.ok}/${c.writes.started} ok` : ''));
  }
}

// ---------------------------------------------------------------------------------------------
// The run

async function main(): Promise<void> {
  const startedAt = performance.now();
  const loadBefore = loadavg()[0]!;
  const cpuAtStart = cpuSample();
  const dir = mkdtempSync(join(tmpdir(), 'khalti-graphql-bench-'));
  const closers: (() => Promise<void>)[] = [];
  const cleanUp = async () => {
    for (const close of closers.splice(0).reverse()) await close().catch((error: unknown) => log(`bench: cleanup: ${String(error)}`));
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = setTimeout(() => {
    log(`bench: still running after ${DEADLINE_MS / 1000} s; giving up`);
    // The PostgreSQL database goes too (bounded: the exit happens whatever the cleanup does).
    setTimeout(() => process.exit(1), 10_000).unref();
    void cleanUp().finally(() => process.exit(1));
  }, DEADLINE_MS);
  deadline.unref();
  // Ctrl-C (or a SIGTERM) still stops the gateway processes and drops the PostgreSQL database.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      log(`bench: ${signal}; cleaning up`);
      setTimeout(() => process.exit(130), 15_000).unref();
      void cleanUp().finally(() => process.exit(130));
    });
  }

  try {
    const fake = await startFakeKhalti();
    closers.push(() => fake.close());
    const load = new LoadGenerator();
    closers.push(() => load.close());
    const proxy = await startBareProxy(fake.origin, KHALTI_SECRET);
    closers.push(() => proxy.close());
    const staticGraphql = await startStaticGraphql();
    closers.push(() => staticGraphql.close());
    let orders = 0;
    const bench: Bench = { load, fake, proxy, staticGraphql, orderId: () => `bench-${process.pid}-${++orders}` };

    let postgres: BenchPostgres | null = null;
    const setups: EngineSetup[] = [];
    for (const engine of engines) {
      if (engine === 'SQLite') {
        const file = join(dir, 'bench.sqlite');
        setups.push({ engine, databaseUrl: `file:${file}`, file });
      } else {
        postgres = await createPostgresDatabase();
        closers.push(() => postgres!.drop());
        setups.push({ engine, databaseUrl: postgres.url, file: null });
      }
    }

    const rows: Row[] = [];
    const ratios: Ratio[] = [];
    const locks: LockCondition[] = [];
    if (parts.has('ratios')) {
      for (const setup of setups) {
        await measureOperations(bench, setup, rows);
        await measureRatiosAndLock(bench, setup, ratios, locks);
      }
    }
    const scaleOptions: ScaleOptions = { scale, dir, sqlite: engines.includes('SQLite'), postgres: engines.includes('PostgreSQL'), closers };
    const loadRows = parts.has('load') ? await measureLoad(scaleOptions) : [];
    const subscribers = parts.has('subscribers') ? await measureSubscribers(scaleOptions) : null;
    // Its own databases: an endpoint left in the ones above would change their figures.
    const webhooks = parts.has('webhooks') ? await runWebhookBench({ engines, scale, load, fake, log }) : null;
    if (webhooks && !webhooks.ok) throw new Error(`webhooks bench: ${webhooks.problems.join('; ')}`);

    // --- report ----------------------------------------------------------------------------------
    const cpuList = cpus();
    const wall = (performance.now() - startedAt) / 1000;
    const lookups = ratios.filter((r) => r.lookupsPerRequest !== null).map((r) => `${r.comparison} x${r.concurrency} on ${r.engine}: ${r.lookupsPerRequest!.toFixed(2)}`);
    const report = [
      '# Benchmark results',
      '',
      `- Date: ${new Date().toISOString()}`,
      `- Code: ${sourceVersion()}`,
      `- Node: ${process.version} (${process.platform} ${process.arch})`,
      `- CPU: ${cpuList[0]?.model ?? 'unknown'} (${cpuList.length} logical cores)`,
      `- Load average (1 min) before / after: ${loadBefore.toFixed(2)} / ${loadavg()[0]!.toFixed(2)}; ` +
        `CPU used by other processes during the run: ${fmtCores(otherCores(cpuAtStart, cpuSample()))} cores ` +
        '(per phase in the tables; figures taken while other work ran are lower and noisier)',
      `- Wall time: ${wall.toFixed(1)} s`,
      `- Command: \`npm run bench\`${scale !== 1 ? ` with BENCH_SCALE=${scale}` : ''}${process.env.BENCH_ENGINES ? ` with BENCH_ENGINES=${process.env.BENCH_ENGINES}` : ''}${process.env.BENCH_PARTS ? ` with BENCH_PARTS=${process.env.BENCH_PARTS}` : ''}`,
      `- Engines: ${setups.map((s) => (s.engine === 'SQLite' ? 'SQLite (a file in the OS temp folder; WAL, each commit fdatasynced off the event loop before it is answered)' : `PostgreSQL (${postgres?.shown}, a database created for the run and dropped after it)`)).join('; ')}`,
      '- Ratios, lock and operations sections: every server listens on 127.0.0.1 in the bench\'s main thread; the clients are an undici Pool in a worker thread (keep-alive, one connection per concurrent client); reconciler off, log silent. ' +
        'Load and subscriber sections: gateways and the raw ws server are processes of their own (bench/processes.ts), on real ports.',
      '',
      loadSection(loadRows),
      subscriberSection(subscribers),
      ...(webhooks ? [webhooks.markdown, ''] : []),
      ...(parts.has('ratios')
        ? [
            '## Ratios (side by side, interleaved)',
            '',
            `The gateway runs with KHALTI_ENV=sandbox and KHALTI_BASE_URL pointing at a fake Khalti in a worker thread of its own (a fixed Completed lookup body for every pidx it initiated). ` +
              `Each comparison is ${ROUNDS} rounds of gateway then baseline, ${ROUND_MS} ms of closed-loop load each, after a ${WARM_MS} ms warm-up of each; ` +
              'a round\'s ratio is gateway req/s over baseline req/s in that round, and the ratio shown is the median of the rounds. ' +
              'Baselines: the **bare undici proxy** is a plain node:http server that forwards each POSTed lookup body to the same fake Khalti with an undici Pool (10 connections, as the gateway\'s client) and returns the JSON; ' +
              'the **static Apollo + express** server is express 5 + @apollo/server 5 (@as-integrations/express5) + graphql 16 whose `payment(pidx: ID!)` resolves to a constant object with the fields the PAYMENT operation selects. ' +
              'Both get the same clients and concurrency as the gateway.',
            '',
            ratiosTable(ratios),
            '',
            `Upstream lookups the fake answered per gateway request: ${lookups.join('; ')}.`,
            '',
            ...(locks.length
              ? [
                  '## /healthz while another process holds the SQLite write lock',
                  '',
                  `/healthz is sampled at ${1000 / HEALTHZ_INTERVAL_MS}/s and payment(pidx) of a COMPLETED payment at ${1000 / READ_INTERVAL_MS}/s (open loop, connections of their own), ` +
                    `while ${LOCK_WRITERS} clients keep initiatePayment requests in flight; a child process (bench/lock-holder.mjs) opens the same file with better-sqlite3, runs BEGIN IMMEDIATE, holds it ${HOLD_MS} ms, then ROLLBACK. ` +
                    'Latencies are per request; "writes failed" lists the GraphQL error codes. Target: /healthz p99 under 50 ms during the hold.',
                  '',
                  lockTable(locks),
                  '',
                  ...locks.filter((c) => c.note).map((c) => `${c.note}\n`),
                ]
              : []),
            '## Operations (KHALTI_ENV=embedded)',
            '',
            'The embedded emulator answers over loopback HTTP on the gateway\'s own event loop. Fixed request counts after a warm-up of every path. ' +
              'req/s is requests divided by the wall time of the phase; the audit column counts every row the phase wrote (upstream calls, status changes, refund steps).',
            '',
            operationsTable(rows),
            '',
          ]
        : []),
    ].join('\n');
    process.stdout.write(`\n${report}\n`);
    if (fullRun) {
      writeFileSync(join(__dirname, 'results.md'), report);
      log(`bench: done in ${wall.toFixed(1)} s; wrote bench/results.md`);
    } else {
      const path = join(tmpdir(), 'khalti-graphql-bench-results.smoke.md');
      writeFileSync(path, report);
      log(`bench: done in ${wall.toFixed(1)} s; not a full run (BENCH_SCALE=${scale}, engines ${engines.join(', ')}), so bench/results.md is untouched; the report is in ${path}`);
    }
  } finally {
    clearTimeout(deadline);
    await cleanUp();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error('bench failed:', error instanceof Error ? (error.stack ?? error.message) : error);
    process.exit(1);
  },
);
