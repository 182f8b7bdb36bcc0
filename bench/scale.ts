/**
 * Issue 9's speed-and-scale scenarios for `npm run bench`, against gateways running as real
 * processes (bench/processes.ts) on real ports:
 *
 * - load: an open-loop 150 req/s mix of initiatePayment and verifyPayment (bench/open-loop-worker.mjs)
 *   for 60 s against a fake Khalti that adds 300 ms and answers 1% with 503 (bench/slow-khalti.mjs),
 *   on one instance and on two (PostgreSQL, Redis), and on one SQLite instance; afterwards the
 *   database must hold every pidx the gateway answered with, and the fake must have created at most
 *   one payment per purchase order;
 * - subscribers: one pidx with 1,000 graphql-ws subscribers against a raw `ws` server broadcasting
 *   the same bytes to 1,000 sockets (interleaved rounds, delivery latency from the trigger's send to
 *   each socket's receipt, server CPU per delivered message), the gateway's memory per idle
 *   subscriber (after full GCs), then 10,000 subscribers held by one process with /healthz sampled.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { Client } from 'pg';
import { request } from 'undici';
import {
  CLIENT_KEY,
  SERVER_KEY,
  cpuSample,
  createPostgresDatabase,
  fmtCores,
  fmtMs,
  fmtRate,
  median,
  otherCores,
  percentile,
  postgresCores,
  sandboxEnv,
  startKhaltiWorker,
  type BenchPostgres,
} from './harness';
import { INITIATE, VERIFY, orderInput } from './operations';
import { startGatewayProcess, startRawBroadcast, WsClients, type MemoryUsage, type ServerProcess } from './processes';

const log = (line: string) => process.stderr.write(`${line}\n`);

export interface ScaleOptions {
  /** BENCH_SCALE: multiplies durations and counts. */
  scale: number;
  /** Temporary folder for SQLite files. */
  dir: string;
  /** Engines the run covers (the load scenario's SQLite row needs SQLite, the rest PostgreSQL). */
  sqlite: boolean;
  postgres: boolean;
  /** Registers cleanup that must happen even if the run fails. */
  closers: (() => Promise<void>)[];
}

// ---------------------------------------------------------------------------------------------
// The fake Khalti (a worker thread)

interface SlowKhalti {
  origin: string;
  stats(): Promise<{ initiates: number; lookups: number; failed: number; duplicateOrders: number; orders: number }>;
  close(): Promise<void>;
}

function startSlowKhalti(options: { delayMs: number; failRate: number; lookup: 'completed' | 'toggle' }): Promise<SlowKhalti> {
  return startKhaltiWorker('slow-khalti.mjs', options);
}

/** The gateway's settings for these scenarios: sandbox mode against the fake, quiet, reconciler idle. */
function gatewayEnv(databaseUrl: string, khaltiOrigin: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...sandboxEnv(databaseUrl, khaltiOrigin),
    NODE_ENV: 'production',
    // The default level (info, a line per request), as an operator runs it (to a file: processes.ts).
    LOG_LEVEL: 'info',
    // The reconciler would add lookups of its own to the fake's counts: its first pass is a day away.
    RECONCILE_INTERVAL_MS: String(24 * 60 * 60 * 1000),
    ...extra,
  };
}

// ---------------------------------------------------------------------------------------------
// 1. Load

interface LoadResult {
  kind: 'initiate' | 'verify';
  origin: number;
  dueAt: number;
  latency: number;
  status: number;
  ok: boolean;
  error: string | null;
  pidx: string | null;
  order: string | null;
}

class OpenLoop {
  private readonly worker = new Worker(join(__dirname, 'open-loop-worker.mjs'), { workerData: { connections: 512 } });
  private nextId = 1;

  run(message: Record<string, unknown>): Promise<{ results: LoadResult[]; elapsedMs: number; lateSends: number }> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const onMessage = (answer: any) => {
        if (answer.id !== id) return;
        this.worker.off('message', onMessage);
        if (answer.error) reject(new Error(answer.error));
        else resolve(answer);
      };
      this.worker.on('message', onMessage);
      this.worker.postMessage({ type: 'load', id, ...message });
    });
  }

  async close(): Promise<void> {
    const exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
    this.worker.postMessage({ type: 'close' });
    await Promise.race([exited, new Promise<void>((resolve) => setTimeout(resolve, 2000).unref())]);
    await this.worker.terminate();
  }
}

export interface LoadRow {
  label: string;
  engine: 'SQLite' | 'PostgreSQL';
  instances: number;
  rate: number;
  durationS: number;
  requests: number;
  ok: number;
  errorsPct: number;
  errorCodes: string;
  /** ok answers per second of the run (due time of the first request to the last answer). */
  achieved: number;
  p50: number;
  p99: number;
  max: number;
  initiateP99: number;
  verifyP99: number;
  /** p99 less the fake's 300 ms. */
  addedP99: number;
  perInstance: string;
  lateSends: number;
  answeredPidxs: number;
  missingPidxs: number;
  /** Orders the fake created more than one payment for. */
  duplicateOrdersAtKhalti: number;
  /** Orders the gateway answered with more than one pidx. */
  ordersWithTwoPidxs: number;
  repeatedOrders: number;
  khaltiFailed: number;
  khaltiCalls: number;
  gatewayCores: number;
  /** The gateways' CPU time over the run per request sent: what 150 req/s asks of the machine. */
  gatewayCpuMsPerRequest: number;
  postgresCores: number | null;
  otherCores: number | null;
  loadAverage: number;
}

const KHALTI_DELAY_MS = 300;
const KHALTI_FAIL_RATE = 0.01;
const LOAD_RATE = 150;
/** Every 10th initiate repeats the order before it (same input): the duplicate-order check has something to catch. */
const REPEAT_EVERY = 10;

async function storedPidxs(engine: LoadRow['engine'], url: string, pidxs: string[]): Promise<number> {
  const wanted = [...new Set(pidxs)];
  if (engine === 'SQLite') {
    const db = new Database(url.replace(/^file:/, ''), { readonly: true });
    try {
      const stmt = db.prepare('SELECT 1 FROM payments WHERE pidx = ?');
      return wanted.filter((pidx) => stmt.get(pidx) !== undefined).length;
    } finally {
      db.close();
    }
  }
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ count: string }>('SELECT count(*) AS count FROM payments WHERE pidx = ANY($1::text[])', [wanted]);
    return Number(rows[0]!.count);
  } finally {
    await client.end();
  }
}

async function loadOnce(options: ScaleOptions, label: string, engine: LoadRow['engine'], instances: number, loadgen: OpenLoop): Promise<LoadRow> {
  const { scale, closers } = options;
  const durationMs = Math.max(3000, Math.round(60_000 * scale));
  let postgres: BenchPostgres | null = null;
  let databaseUrl: string;
  if (engine === 'PostgreSQL') {
    postgres = await createPostgresDatabase();
    closers.push(() => postgres!.drop());
    databaseUrl = postgres.url;
  } else databaseUrl = `file:${join(options.dir, `load-${randomBytes(4).toString('hex')}.sqlite`)}`;
  const khalti = await startSlowKhalti({ delayMs: KHALTI_DELAY_MS, failRate: KHALTI_FAIL_RATE, lookup: 'completed' });
  closers.push(() => khalti.close());
  const extra: Record<string, string> =
    instances > 1 ? { REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', REDIS_KEY_PREFIX: `khalti-bench-${randomBytes(4).toString('hex')}:` } : {};
  const gateways: ServerProcess[] = [];
  try {
    // One after the other: each applies the migrations at start.
    for (let i = 0; i < instances; i++) {
      const gateway = await startGatewayProcess(gatewayEnv(databaseUrl, khalti.origin, extra), join(options.dir, `gateway-${engine}-${instances}-${i}.log`));
      gateways.push(gateway);
      closers.push(() => gateway.close());
    }
    const origins = gateways.map((g) => g.url);
    const common = { origins, ratePerSecond: LOAD_RATE, initiate: INITIATE, verify: VERIFY, serverKey: SERVER_KEY, clientKey: CLIENT_KEY, input: { ...orderInput('x'), purchaseOrderId: undefined }, repeatEvery: REPEAT_EVERY };
    log(`bench: load: ${label}: warm-up, then ${LOAD_RATE} req/s for ${durationMs / 1000} s`);
    await loadgen.run({ ...common, durationMs: Math.max(1000, Math.round(3000 * scale)), orderPrefix: `warm-${randomBytes(4).toString('hex')}` });

    const loadBefore = loadavg()[0]!;
    const cpuBefore = cpuSample();
    const gatewayBefore = gateways.map((g) => g.cpuMs());
    const { results, elapsedMs, lateSends } = await loadgen.run({ ...common, durationMs, orderPrefix: `load-${randomBytes(4).toString('hex')}` });
    const cpuAfter = cpuSample();
    const gatewayCpu = gateways.reduce((sum, g, i) => sum + g.cpuMs() - gatewayBefore[i]!, 0);
    const stats = await khalti.stats();

    const sorted = (values: number[]) => Float64Array.from(values).sort();
    const all = sorted(results.map((r) => r.latency));
    const ok = results.filter((r) => r.ok);
    const codes = new Map<string, number>();
    for (const r of results) if (!r.ok) codes.set(`${r.kind} ${r.error}`, (codes.get(`${r.kind} ${r.error}`) ?? 0) + 1);
    const answered = ok.filter((r) => r.kind === 'initiate').map((r) => r.pidx!);
    const stored = await storedPidxs(engine, databaseUrl, answered);
    const pidxsPerOrder = new Map<string, Set<string>>();
    for (const r of ok) if (r.kind === 'initiate') (pidxsPerOrder.get(r.order!) ?? pidxsPerOrder.set(r.order!, new Set()).get(r.order!)!).add(r.pidx!);
    const initiatesPerOrder = new Map<string, number>();
    for (const r of results) if (r.kind === 'initiate') initiatesPerOrder.set(r.order!, (initiatesPerOrder.get(r.order!) ?? 0) + 1);
    const p99 = percentile(all, 99);
    const perInstance = gateways.map((_, i) => {
      const mine = results.filter((r) => r.origin === i);
      return `${mine.length} (p99 ${fmtMs(percentile(sorted(mine.map((r) => r.latency)), 99))} ms)`;
    });
    return {
      label,
      engine,
      instances,
      rate: LOAD_RATE,
      durationS: durationMs / 1000,
      requests: results.length,
      ok: ok.length,
      errorsPct: ((results.length - ok.length) / results.length) * 100,
      errorCodes: [...codes].map(([code, count]) => `${count} ${code}`).join(', ') || 'none',
      achieved: (ok.length / elapsedMs) * 1000,
      p50: percentile(all, 50),
      p99,
      max: all[all.length - 1]!,
      initiateP99: percentile(sorted(results.filter((r) => r.kind === 'initiate').map((r) => r.latency)), 99),
      verifyP99: percentile(sorted(results.filter((r) => r.kind === 'verify').map((r) => r.latency)), 99),
      addedP99: p99 - KHALTI_DELAY_MS,
      perInstance: perInstance.join(' / '),
      lateSends,
      answeredPidxs: new Set(answered).size,
      missingPidxs: new Set(answered).size - stored,
      duplicateOrdersAtKhalti: stats.duplicateOrders,
      ordersWithTwoPidxs: [...pidxsPerOrder.values()].filter((set) => set.size > 1).length,
      repeatedOrders: [...initiatesPerOrder.values()].filter((count) => count > 1).length,
      khaltiFailed: stats.failed,
      khaltiCalls: stats.initiates + stats.lookups + stats.failed,
      gatewayCores: gatewayCpu / (cpuAfter.at - cpuBefore.at),
      gatewayCpuMsPerRequest: gatewayCpu / results.length,
      postgresCores: engine === 'PostgreSQL' ? postgresCores(cpuBefore, cpuAfter) : null,
      // The gateways are other processes to cpuSample: take their CPU out of "other".
      otherCores: (() => {
        const others = otherCores(cpuBefore, cpuAfter);
        return others === null ? null : Math.max(0, others - gatewayCpu / (cpuAfter.at - cpuBefore.at));
      })(),
      loadAverage: loadBefore,
    };
  } finally {
    for (const gateway of gateways) await gateway.close();
    await khalti.close();
    await postgres?.drop();
  }
}

export async function measureLoad(options: ScaleOptions): Promise<LoadRow[]> {
  const rows: LoadRow[] = [];
  const loadgen = new OpenLoop();
  options.closers.push(() => loadgen.close());
  try {
    if (options.postgres) {
      rows.push(await loadOnce(options, 'one instance', 'PostgreSQL', 1, loadgen));
      rows.push(await loadOnce(options, 'two instances (round robin, Redis)', 'PostgreSQL', 2, loadgen));
    }
    if (options.sqlite) rows.push(await loadOnce(options, 'one instance', 'SQLite', 1, loadgen));
  } finally {
    await loadgen.close();
  }
  for (const r of rows) {
    log(
      `  ${r.engine}, ${r.label}: ${r.requests} requests, errors ${r.errorsPct.toFixed(2)}% (${r.errorCodes}), p50 ${fmtMs(r.p50)} ms, p99 ${fmtMs(r.p99)} ms, ` +
        `stored ${r.answeredPidxs - r.missingPidxs}/${r.answeredPidxs}, duplicate orders at Khalti ${r.duplicateOrdersAtKhalti}`,
    );
  }
  return rows;
}

export function loadSection(rows: LoadRow[]): string {
  if (!rows.length) return '';
  const met = (ok: boolean) => (ok ? '(met)' : '(not met)');
  const lines = [
    '## Load: 150 req/s of initiate and verify against a slow, slightly failing Khalti',
    '',
    `Open loop: one request every ${fmtMs(1000 / LOAD_RATE)} ms whatever the answers do (bench/open-loop-worker.mjs, in a worker thread, 512 keep-alive connections per gateway so none waits for one), ` +
      'latency counted from the moment a request was due (so a sender or server falling behind shows as latency: no coordinated omission); a request not answered within 30 s of its due time is an error ("no answer in 30 s"). ' +
      `Even slots initiate a new order (server key), odd slots verify a payment answered earlier in the run (client key, at random); every ${REPEAT_EVERY}th initiate repeats the previous order with the same input, sent to the next instance. ` +
      `The fake Khalti (bench/slow-khalti.mjs, a worker thread) holds every answer ${KHALTI_DELAY_MS} ms and answers ${KHALTI_FAIL_RATE * 100}% of requests 503 (creating nothing); its lookups say Completed. ` +
      'Gateways are processes of their own (`node --import tsx src/main.ts`, NODE_ENV=production, KHALTI_ENV=sandbox, rate limits off, reconciler idle); two instances share the PostgreSQL database and Redis, and the load alternates between their ports per pair of slots (an initiate and a verify), so each instance gets both kinds and a repeated order reaches the other instance. ' +
      'A 3 s warm-up at the same rate precedes each run. Afterwards: every pidx the gateway answered with must be in the payments table, and the fake must have created at most one payment per purchase order. ' +
      'Targets (issue 9): errors at most 1%, p99 at most 700 ms over the fake\'s 300 ms, every answered pidx stored, no order with two payments.',
    '',
    '| engine | instances | requests | errors | error answers | achieved ok/s | p50 ms | p99 ms (initiate / verify) | added p99 over 300 ms | max ms | answered pidxs stored | orders with two payments at Khalti (repeated orders) | orders answered with two pidxs | per instance: requests (p99) | gateway cores (CPU ms per request) | PostgreSQL cores | other processes, cores | load avg |',
    '|---|--:|--:|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|---|--:|--:|--:|--:|',
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.engine} | ${r.label} | ${r.requests.toLocaleString('en-US')} | ${r.errorsPct.toFixed(2)}% ${met(r.errorsPct <= 1)} | ${r.errorCodes} | ${fmtRate(r.achieved)} | ${fmtMs(r.p50)} | ${fmtMs(r.p99)} (${fmtMs(r.initiateP99)} / ${fmtMs(r.verifyP99)}) | ` +
        `**${fmtMs(r.addedP99)} ms** ${met(r.addedP99 <= 700)} | ${fmtMs(r.max)} | ${(r.answeredPidxs - r.missingPidxs).toLocaleString('en-US')} of ${r.answeredPidxs.toLocaleString('en-US')} ${met(r.missingPidxs === 0)} | ` +
        `${r.duplicateOrdersAtKhalti} (${r.repeatedOrders}) ${met(r.duplicateOrdersAtKhalti === 0)} | ${r.ordersWithTwoPidxs} | ${r.perInstance} | ${fmtCores(r.gatewayCores)} (${fmtMs(r.gatewayCpuMsPerRequest)}) | ${r.postgresCores === null ? '-' : fmtCores(r.postgresCores)} | ${fmtCores(r.otherCores)} | ${r.loadAverage.toFixed(2)} |`,
    );
  }
  const one = rows.find((r) => r.engine === 'PostgreSQL' && r.instances === 1);
  const two = rows.find((r) => r.engine === 'PostgreSQL' && r.instances === 2);
  lines.push('');
  if (one && two) {
    lines.push(
      `Two instances / one (PostgreSQL, same offered load): achieved throughput **${(two.achieved / one.achieved).toFixed(2)}x** (${fmtRate(two.achieved)} vs ${fmtRate(one.achieved)} ok/s), ` +
        `p99 **${(two.p99 / one.p99).toFixed(2)}x** (${fmtMs(two.p99)} vs ${fmtMs(one.p99)} ms). At a fixed arrival rate the throughput ratio is about 1 unless one of them could not keep up; the p99 ratio says what the second instance costs or saves. Both share the machine's two cores with the load generator and PostgreSQL.`,
    );
  }
  lines.push(
    '',
    `Sender lag (requests sent more than 5 ms after they were due, counted in their latency): ${rows.map((r) => `${r.engine} ${r.label}: ${r.lateSends}`).join('; ')}. ` +
      `Khalti calls the fake answered 503: ${rows.map((r) => `${r.engine} ${r.label}: ${r.khaltiFailed} of ${r.khaltiCalls}`).join('; ')}.`,
    '',
  );
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------
// 2. Subscribers

/**
 * Measured rounds at 1,000 and at 10,000 subscribers. One round's p99 of 1,000 receipts is close to
 * its slowest socket, so a single round's ratio swings with whatever else the machine runs (0.3x to
 * 6x were seen on a shared machine); the median of 30 holds still. A round at 1,000 takes well under
 * a second.
 */
const SUBSCRIBER_ROUNDS = [30, 5] as const;

const STATUS_CHANGED = 'subscription ($pidx: ID!) { paymentStatusChanged(pidx: $pidx) { pidx previousStatus status source occurredAt payment { paid totalAmount status } } }';

interface DeliveryRound {
  p50: number;
  p99: number;
  max: number;
  received: number;
  missing: number;
  triggerMs: number;
}

export interface SubscriberSize {
  sockets: number;
  rounds: { gateway: DeliveryRound; raw: DeliveryRound; ratio: number }[];
  /** Server CPU per delivered message, µs (all rounds' CPU over all rounds' deliveries). */
  gatewayCpuUs: number;
  rawCpuUs: number;
  gatewayMemory: { before: MemoryUsage; after: MemoryUsage };
  rawMemory: { before: MemoryUsage; after: MemoryUsage };
  openMs: { gateway: number; raw: number };
  opened: { gateway: number; raw: number; firstError: string | null };
  healthz: { samples: number; p50: number; p99: number; max: number; failed: number } | null;
}

export interface SubscriberReport {
  sizes: SubscriberSize[];
  messageBytes: number;
  gatewayFdLimit: number | null;
  clientFdLimit: string;
  otherCores: number | null;
  loadAverage: number;
}

async function metric(url: string, name: string): Promise<number> {
  const response = await request(`${url}/metrics`);
  const text = await response.body.text();
  const match = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text);
  return match ? Number(match[1]) : NaN;
}

async function until(check: () => Promise<boolean>, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function roundStats(result: { latencies: Float64Array; missing: number; triggerMs: number }): DeliveryRound {
  const sorted = Float64Array.from(result.latencies).sort();
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted[sorted.length - 1] ?? NaN, received: sorted.length, missing: result.missing, triggerMs: result.triggerMs };
}

async function sampleHealthz(url: string, count: number): Promise<SubscriberSize['healthz']> {
  const latencies: number[] = [];
  let failed = 0;
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    try {
      const response = await request(`${url}/healthz`, { headersTimeout: 5000, bodyTimeout: 5000 });
      const text = await response.body.text();
      if (response.statusCode !== 200 || !text.includes('"ok"')) failed += 1;
    } catch {
      failed += 1;
    }
    latencies.push(performance.now() - started);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const sorted = Float64Array.from(latencies).sort();
  return { samples: count, p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted[sorted.length - 1]!, failed };
}

async function measureSize(
  sockets: number,
  rounds: number,
  gateway: ServerProcess,
  raw: ServerProcess,
  pidx: string,
  sampleRef: { text: string | null },
  withHealthz: boolean,
): Promise<SubscriberSize> {
  const gatewayClients = new WsClients();
  const rawClients = new WsClients();
  try {
    await until(async () => (await metric(gateway.url, 'gateway_websockets_open')) === 0, 'the gateway to have no sockets open', 30_000);
    const gatewayBefore = await gateway.memory();
    const rawBefore = await raw.memory();
    log(`bench: subscribers: opening ${sockets} graphql-ws subscribers and ${sockets} raw sockets`);
    let started = performance.now();
    const gwOpened = await gatewayClients.open({
      url: `${gateway.url.replace(/^http/, 'ws')}/graphql`,
      count: sockets,
      protocol: 'graphql-ws',
      authorization: `Bearer ${CLIENT_KEY}`,
      query: STATUS_CHANGED,
      variables: { pidx },
    });
    await until(async () => (await metric(gateway.url, 'gateway_subscriptions_active')) >= gwOpened.opened, `${gwOpened.opened} active subscriptions`, 120_000);
    const gatewayOpenMs = performance.now() - started;
    started = performance.now();
    const rawOpened = await rawClients.open({ url: `${raw.url.replace(/^http/, 'ws')}/ws`, count: sockets, protocol: 'raw' });
    const rawOpenMs = performance.now() - started;
    // Idle: let the handshakes' garbage and buffers settle before the memory is read.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const gatewayAfter = await gateway.memory();
    const rawAfter = await raw.memory();
    const healthz = withHealthz ? await sampleHealthz(gateway.url, 50) : null;

    const verify = { url: `${gateway.url}/graphql`, body: JSON.stringify({ query: VERIFY, variables: { pidx } }), headers: { 'content-type': 'application/json', authorization: `Bearer ${CLIENT_KEY}` } };
    const gatewayRound = async () => {
      const result = await gatewayClients.round(verify, 30_000);
      if (result.status !== 200 || result.answer.includes('"errors"')) throw new Error(`subscribers: the trigger failed: ${result.status} ${result.answer}`);
      if (result.sample) sampleRef.text = result.sample;
      return result;
    };
    // Warm-up (and the bytes the baseline sends: what a subscriber of the gateway received).
    await gatewayRound();
    await gatewayRound();
    const rawTrigger = () => ({ url: `${raw.url}/broadcast`, body: sampleRef.text ?? '{}', headers: { 'content-type': 'text/plain' } });
    await rawClients.round(rawTrigger(), 30_000);

    const measured: SubscriberSize['rounds'] = [];
    let gatewayCpu = 0;
    let rawCpu = 0;
    let gatewayDelivered = 0;
    let rawDelivered = 0;
    for (let i = 0; i < rounds; i++) {
      let cpu = gateway.cpuMs();
      const g = roundStats(await gatewayRound());
      // Ticks of 10 ms: read after the last receipt, then a pause, so the round's work is counted whole.
      await new Promise((resolve) => setTimeout(resolve, 50));
      gatewayCpu += gateway.cpuMs() - cpu;
      gatewayDelivered += g.received;
      cpu = raw.cpuMs();
      const r = roundStats(await rawClients.round(rawTrigger(), 30_000));
      await new Promise((resolve) => setTimeout(resolve, 50));
      rawCpu += raw.cpuMs() - cpu;
      rawDelivered += r.received;
      measured.push({ gateway: g, raw: r, ratio: g.p99 / r.p99 });
    }
    return {
      sockets,
      rounds: measured,
      gatewayCpuUs: (gatewayCpu * 1000) / gatewayDelivered,
      rawCpuUs: (rawCpu * 1000) / rawDelivered,
      gatewayMemory: { before: gatewayBefore, after: gatewayAfter },
      rawMemory: { before: rawBefore, after: rawAfter },
      openMs: { gateway: gatewayOpenMs, raw: rawOpenMs },
      opened: { gateway: gwOpened.opened, raw: rawOpened.opened, firstError: gwOpened.firstError ?? rawOpened.firstError },
      healthz,
    };
  } finally {
    await gatewayClients.closeSockets().catch(() => undefined);
    await rawClients.closeSockets().catch(() => undefined);
    await gatewayClients.close();
    await rawClients.close();
  }
}

export async function measureSubscribers(options: ScaleOptions): Promise<SubscriberReport> {
  const { scale, closers } = options;
  const n = (count: number) => Math.max(10, Math.round(count * scale));
  const databaseUrl = `file:${join(options.dir, 'subscribers.sqlite')}`;
  const khalti = await startSlowKhalti({ delayMs: 0, failRate: 0, lookup: 'toggle' });
  closers.push(() => khalti.close());
  const gateway = await startGatewayProcess(gatewayEnv(databaseUrl, khalti.origin), join(options.dir, 'gateway-subscribers.log'));
  closers.push(() => gateway.close());
  const raw = await startRawBroadcast(join(options.dir, 'raw-broadcast.log'));
  closers.push(() => raw.close());
  try {
    const initiate = await request(`${gateway.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${SERVER_KEY}` },
      body: JSON.stringify({ query: INITIATE, variables: { input: orderInput(`subscribers-${randomBytes(4).toString('hex')}`) } }),
    });
    const answer = (await initiate.body.json()) as any;
    const pidx = answer?.data?.initiatePayment?.payment?.pidx as string | undefined;
    if (!pidx) throw new Error(`subscribers: initiate failed: ${JSON.stringify(answer)}`);
    const loadBefore = loadavg()[0]!;
    const cpuBefore = cpuSample();
    const sampleRef = { text: null as string | null };
    const sizes = [await measureSize(n(1000), SUBSCRIBER_ROUNDS[0], gateway, raw, pidx, sampleRef, true)];
    sizes.push(await measureSize(n(10_000), SUBSCRIBER_ROUNDS[1], gateway, raw, pidx, sampleRef, true));
    const cpuAfter = cpuSample();
    const clientLimit = (() => {
      try {
        return String(execFileSync('sh', ['-c', 'ulimit -n 20000 2>/dev/null || ulimit -n "$(ulimit -Hn)"; ulimit -n'], { encoding: 'utf8' }).trim());
      } catch {
        return 'unknown';
      }
    })();
    const report: SubscriberReport = {
      sizes,
      messageBytes: Buffer.byteLength(sampleRef.text ?? ''),
      gatewayFdLimit: gateway.openFileLimit(),
      clientFdLimit: clientLimit,
      otherCores: otherCores(cpuBefore, cpuAfter),
      loadAverage: loadBefore,
    };
    for (const size of sizes) {
      const ratio = median(size.rounds.map((r) => r.ratio));
      log(
        `  ${size.sockets} subscribers: delivery p99 ratio ${ratio.toFixed(2)}x; CPU per delivered message ${size.gatewayCpuUs.toFixed(0)} vs ${size.rawCpuUs.toFixed(0)} us; ` +
          `memory per subscriber ${perSocketKiB(size.gatewayMemory, size.sockets, 'rss')} KiB RSS, ${perSocketKiB(size.gatewayMemory, size.sockets, 'heapUsed')} KiB heap`,
      );
    }
    return report;
  } finally {
    await gateway.close();
    await raw.close();
    await khalti.close();
  }
}

function perSocketKiB(memory: { before: MemoryUsage; after: MemoryUsage }, sockets: number, key: 'rss' | 'heapUsed' | 'external'): string {
  return ((memory.after[key] - memory.before[key]) / 1024 / sockets).toFixed(1);
}

export function subscriberSection(report: SubscriberReport | null): string {
  if (!report) return '';
  const met = (ok: boolean) => (ok ? '(met)' : '(not met)');
  const lines = [
    '## Subscribers: one pidx, many WebSocket subscribers, against a raw ws broadcast',
    '',
    'The gateway (a process of its own, SQLite file, KHALTI_ENV=sandbox against a fake Khalti with no delay whose every lookup of the pidx changes its status) holds N graphql-transport-ws subscribers of `paymentStatusChanged(pidx)` for one pidx; ' +
      'the baseline is a bare `ws` server (bench/raw-broadcast.mjs, also a process of its own) that writes the same bytes a gateway subscriber received to N sockets in a loop. ' +
      'Each server\'s sockets are held by a client process of their own (bench/ws-clients.mjs, same code for both, fd limit raised with `ulimit -n`), which also sends the trigger, so send and receipt times come from one clock: ' +
      'for the gateway a `verifyPayment` POST (a lookup, a status change committed, the event executed once and written to every socket), for the baseline a POST /broadcast. ' +
      `Delivery latency is from the trigger's send to each socket's receipt of the message. Rounds are interleaved (gateway, baseline, ...) after two warm-up rounds, ${SUBSCRIBER_ROUNDS[0]} at 1,000 and ${SUBSCRIBER_ROUNDS[1]} at 10,000; the ratio is the median of the rounds' p99 ratios. ` +
      'Server CPU per delivered message is the server process\'s CPU time (/proc) over the rounds divided by the messages delivered (the gateway\'s includes the verify request that triggered them). ' +
      `Memory per idle subscriber: the server's RSS and V8 heap after two full GCs (--expose-gc, asked over IPC by bench/gc-probe.mjs) before opening the sockets and after they are all subscribed and idle, divided by N. Message: ${report.messageBytes} bytes. ` +
      `Gateway open-files limit: ${report.gatewayFdLimit ?? 'unknown'} (WS_MAX_CONNECTIONS default: 10,000, or that limit less 1,024); client processes: ${report.clientFdLimit}.`,
    '',
    '| subscribers | delivery p99 ratio, gateway / raw ws (median of rounds) | round ratios, min to max | gateway p50 / p99 / max ms | raw ws p50 / p99 / max ms | gateway trigger answered ms (median) | server CPU per delivered message, gateway / raw ws | memory per idle subscriber, gateway: RSS / heap KiB | raw ws: RSS / heap KiB | sockets open, gateway / raw (time to open and subscribe) | /healthz while held: p50 / p99 / max ms (failed) |',
    '|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|',
  ];
  for (const size of report.sizes) {
    const ratio = median(size.rounds.map((r) => r.ratio));
    const each = size.rounds.map((r) => r.ratio);
    const med = (pick: (r: SubscriberSize['rounds'][number]) => number) => fmtMs(median(size.rounds.map(pick)));
    const rss = Number(perSocketKiB(size.gatewayMemory, size.sockets, 'rss'));
    const target1k = size.sockets >= 1000 && size.sockets < 10_000;
    const missing = size.rounds.reduce((sum, r) => sum + r.gateway.missing + r.raw.missing, 0);
    lines.push(
      `| ${size.sockets.toLocaleString('en-US')} | **${ratio.toFixed(2)}x**${target1k ? ` ${met(ratio <= 2)} (target <= 2x)` : ''} | ${Math.min(...each).toFixed(2)} to ${Math.max(...each).toFixed(2)} | ` +
        `${med((r) => r.gateway.p50)} / ${med((r) => r.gateway.p99)} / ${med((r) => r.gateway.max)} | ${med((r) => r.raw.p50)} / ${med((r) => r.raw.p99)} / ${med((r) => r.raw.max)} | ${med((r) => r.gateway.triggerMs)} | ` +
        `${size.gatewayCpuUs.toFixed(0)} / ${size.rawCpuUs.toFixed(0)} µs | **${rss.toFixed(1)}** / ${perSocketKiB(size.gatewayMemory, size.sockets, 'heapUsed')}${target1k ? ` ${met(rss <= 20)} (target <= 20 KiB)` : ''} | ` +
        `${perSocketKiB(size.rawMemory, size.sockets, 'rss')} / ${perSocketKiB(size.rawMemory, size.sockets, 'heapUsed')} | ` +
        `${size.opened.gateway.toLocaleString('en-US')} / ${size.opened.raw.toLocaleString('en-US')} (${(size.openMs.gateway / 1000).toFixed(1)} s / ${(size.openMs.raw / 1000).toFixed(1)} s)${size.opened.firstError ? `; first failure: ${size.opened.firstError}` : ''}${missing ? `; ${missing} deliveries missing` : ''} | ` +
        `${size.healthz ? `${fmtMs(size.healthz.p50)} / ${fmtMs(size.healthz.p99)} / ${fmtMs(size.healthz.max)} (${size.healthz.failed})` : '-'} |`,
    );
  }
  const held = report.sizes[report.sizes.length - 1]!;
  lines.push(
    '',
    `${held.sockets.toLocaleString('en-US')} subscribers held by one gateway process: ${held.opened.gateway === held.sockets && held.healthz && held.healthz.failed === 0 ? 'yes, and /healthz answered every sample while they were held (met)' : 'no (not met)'}. ` +
      `Gateway memory (RSS) before / with the ${held.sockets.toLocaleString('en-US')}: ${(held.gatewayMemory.before.rss / 1048576).toFixed(0)} / ${(held.gatewayMemory.after.rss / 1048576).toFixed(0)} MiB. ` +
      `Other processes used ${fmtCores(report.otherCores)} cores meanwhile; load average ${report.loadAverage.toFixed(2)} at the start.`,
    '',
  );
  return lines.join('\n');
}
