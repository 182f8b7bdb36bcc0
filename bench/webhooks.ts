/**
 * Issue 10's webhook measurements (called by bench/run.ts; `npx tsx bench/webhooks.main.ts` runs
 * them alone), on SQLite and on PostgreSQL, each on a database made for it and removed after it:
 *
 * 1. Latency: a gateway (KHALTI_ENV=sandbox against the fake Khalti, which answers Completed for
 *    every pidx it handed out) with one endpoint registered through createWebhookEndpoint, pointing
 *    at a receiver on loopback (bench/webhook-receiver.mjs, a worker thread of its own, answering
 *    204). Payments are initiated beforehand; then verifyPayment is sent for each at a fixed 50/s
 *    (open loop), each one a status change INITIATED -> COMPLETED that commits a payment.completed
 *    event. Commit -> arrival is bracketed: from the event's `timestamp` (stamped when the change
 *    is decided, before the unit of work commits: overstates by the unit) and from the verify
 *    answer's arrival at the client (after the commit: understates by the answer's trip, negative
 *    when the webhook beats the answer). Every change must arrive exactly once per webhook-id,
 *    with a signature the `standardwebhooks` package accepts.
 * 2. The 0.9x: verifyPayment of COMPLETED payments (no status change), 8 closed-loop clients, in
 *    interleaved rounds of two arms on the same gateway and database, while 50 status changes per
 *    second run in the background in both arms. The one difference: the endpoint is enabled
 *    (the changes' units write an event and a delivery, the worker claims, signs, sends and
 *    records each) or disabled through updateWebhookEndpoint (the changes write no webhook rows;
 *    the worker only polls, as with no endpoint at all). The ratio is the median of the rounds'
 *    (with endpoint / none) ratios.
 *
 * BENCH_SCALE (or options.scale) multiplies counts and durations; the machine is shared, so every
 * row says how busy the rest of it was.
 */
import 'reflect-metadata';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { Webhook } from 'standardwebhooks';
import { createApp, type App } from '../src/app';
import { loadConfig } from '../src/config';
import type { Database, Tx, UnitOptions } from '../src/db/database';
import { silentLog } from '../src/logger';
import {
  ADMIN_KEY,
  CLIENT_KEY,
  MAX_CONCURRENCY,
  SERVER_KEY,
  LoadGenerator,
  checkAll,
  cpuSample,
  createPostgresDatabase,
  dataOf,
  fmtCores,
  fmtMs,
  fmtRate,
  gql,
  median,
  otherCores,
  ownCores,
  percentile,
  postgresCores,
  sandboxEnv,
  startFakeKhalti,
  type BenchEngine,
  type CpuSample,
  type FakeKhalti,
  type HttpRequest,
  type RunResult,
} from './harness';
import { INITIATE, VERIFY, orderInput } from './operations';

export type WebhookBenchEngine = BenchEngine;

export interface WebhookBenchOptions {
  /** Default: both. */
  engines?: WebhookBenchEngine[];
  /** Multiplies counts and durations; default BENCH_SCALE, else 1. */
  scale?: number;
  /** Shared with the caller's other benches; created (and closed) here when left out. */
  load?: LoadGenerator;
  fake?: FakeKhalti;
  /** Progress lines (default: stderr). */
  log?: (line: string) => void;
}

export interface Spread {
  p50: number;
  p99: number;
  max: number;
}

export interface LatencyFigures {
  engine: WebhookBenchEngine;
  changes: number;
  /** Status changes per second the open loop really sent (first to last send). */
  sentPerSecond: number;
  received: number;
  distinctIds: number;
  /** Requests beyond the first per webhook-id. */
  duplicates: number;
  /** Changes with no event at the receiver. */
  missing: number;
  badSignatures: number;
  /** Changes whose commit the bench stamped (stampCommits); all of them, unless the gateway's unit changed shape. */
  commitsStamped: number;
  /** ms from the commit of the change's unit of work (in the gateway) to the webhook's arrival. */
  fromCommit: Spread;
  /** ms from the event's timestamp (stamped before the commit) to its arrival. */
  fromTimestamp: Spread;
  /** ms from the verify answer's arrival at the client (after the commit) to the webhook's arrival. */
  fromAnswer: Spread;
  verify: Spread;
  /** SQL statements the gateway ran per change over the phase (the change, its webhook's claim, attempt and record). */
  statementsPerChange: number;
  /** Deliveries the database holds as DELIVERED / not DELIVERED after the phase. */
  deliveredRows: number;
  otherDeliveryRows: number;
  otherCores: number | null;
  postgresCores: number | null;
  loadAverage: number;
}

export interface ThroughputRound {
  none: number;
  withEndpoint: number;
  ratio: number;
  noneP50: number;
  withP50: number;
  /** Webhooks the with-endpoint arm's changes sent (each checked: exactly once, signed). */
  webhooks: number;
  /** ms from the end of the with-endpoint arm's closed loop to the arrival of its last webhook. */
  drainMs: number;
  /** Main-thread CPU ms per measured request in each arm (mainThreadCpuMs; NaN where unknown). */
  mainCpuNone: number;
  mainCpuWith: number;
  /** Cores the main thread used in each arm. */
  mainCoresNone: number;
  mainCoresWith: number;
  /** SQL statements per measured request in each arm (the background changes' included). */
  statementsNone: number;
  statementsWith: number;
  otherCores: number | null;
  postgresCores: number | null;
}

export interface ThroughputFigures {
  engine: WebhookBenchEngine;
  rounds: ThroughputRound[];
  ratio: number;
  target: number;
  met: boolean;
  /** Every enabled arm's webhooks had arrived within KEPT_UP_MS of its end (else the ratio flatters the endpoint). */
  keptUp: boolean;
  loadAverage: number;
}

export interface WebhookBenchResult {
  markdown: string;
  latency: LatencyFigures[];
  throughput: ThroughputFigures[];
  /** Every change arrived exactly once with a good signature, and no arm wrote what it should not. */
  ok: boolean;
  problems: string[];
}

const SIGNING_KEY = 'bench-webhook-signing-key-0123456789abcdef';
/** 50 status changes per second. */
const INTERVAL_MS = 20;
const ROUNDS = 5;
const TARGET = 0.9;
/**
 * An enabled arm whose last webhook arrived later than this after the arm ended did not keep up:
 * part of its delivery work fell outside the measured window, which flatters the endpoint.
 */
const KEPT_UP_MS = 250;
/**
 * Waiting for what a phase queued: the bench calls delivery stuck when no webhook arrived for
 * DRAIN_STALL_MS (on a machine busy with other work a backlog may take long, but it moves), and
 * gives up after DRAIN_TIMEOUT_MS whatever.
 */
const DRAIN_STALL_MS = 15_000;
const DRAIN_TIMEOUT_MS = 120_000;

const CREATE_ENDPOINT = /* GraphQL */ `
  mutation ($input: CreateWebhookEndpointInput!) {
    createWebhookEndpoint(input: $input) { endpoint { id } secret userErrors { field message } }
  }
`;
const UPDATE_ENDPOINT = /* GraphQL */ `
  mutation ($input: UpdateWebhookEndpointInput!) {
    updateWebhookEndpoint(input: $input) { endpoint { id enabled } userErrors { field message } }
  }
`;

// ---------------------------------------------------------------------------------------------
// The receiver (a worker thread)

interface Arrival {
  arrivedAt: number;
  headers: Record<string, string>;
  body: string;
}

class Receiver {
  private readonly pending = new Map<number, (message: any) => void>();
  private nextId = 1;

  private constructor(
    private readonly worker: Worker,
    readonly url: string,
  ) {
    worker.on('message', (message: { id?: number }) => {
      const answer = message.id === undefined ? undefined : this.pending.get(message.id);
      if (!answer) return;
      this.pending.delete(message.id!);
      answer(message);
    });
  }

  static async start(): Promise<Receiver> {
    const worker = new Worker(join(__dirname, 'webhook-receiver.mjs'));
    const port = await new Promise<number>((resolve, reject) => {
      worker.once('error', reject);
      worker.once('message', (message: { port: number }) => resolve(message.port));
    });
    return new Receiver(worker, `http://127.0.0.1:${port}/hooks/khalti`);
  }

  private ask<T>(type: string): Promise<T> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.worker.postMessage({ type, id });
    });
  }

  async count(): Promise<number> {
    return (await this.ask<{ count: number }>('count')).count;
  }

  async take(): Promise<Arrival[]> {
    return (await this.ask<{ received: Arrival[] }>('take')).received;
  }

  async close(): Promise<void> {
    const exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
    this.worker.postMessage({ type: 'close' });
    await Promise.race([exited, new Promise<void>((resolve) => setTimeout(resolve, 2000).unref())]);
    await this.worker.terminate();
  }
}

// ---------------------------------------------------------------------------------------------
// Helpers

const wallNow = () => performance.timeOrigin + performance.now();

/**
 * CPU time (ms) of this process's main thread alone, from /proc/self/task/PID/stat (Linux; null
 * elsewhere): the thread the gateway's event loop runs on (GraphQL, better-sqlite3, pg, undici,
 * signing, the delivery worker), without the load generator, fake Khalti or receiver threads. Unlike
 * req/s it does not depend on how much of the machine other processes took, so it says what a
 * webhook costs the gateway even on a busy machine. 10 ms resolution.
 */
function mainThreadCpuMs(): number | null {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return null;
  }
}
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Waits until `check` holds; `progress` (e.g. webhooks received so far) moving restarts the stall clock. */
async function until(what: string, check: () => Promise<boolean>, progress: () => Promise<number>): Promise<void> {
  const started = performance.now();
  let last = await progress();
  let movedAt = started;
  while (!(await check())) {
    const now = performance.now();
    const seen = await progress();
    if (seen !== last) {
      last = seen;
      movedAt = now;
    }
    if (now - movedAt > DRAIN_STALL_MS || now - started > DRAIN_TIMEOUT_MS) {
      throw new Error(`webhook bench: ${what} did not happen (${seen} received; nothing new for ${Math.round(now - movedAt)} ms, ${Math.round(now - started)} ms in all)`);
    }
    await sleep(10);
  }
}

function spread(values: number[]): Spread {
  const sorted = Float64Array.from(values).sort();
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.length ? sorted[sorted.length - 1]! : NaN };
}

const fmtSpread = (s: Spread) => `${fmtMs(s.p50)} / ${fmtMs(s.p99)} / ${fmtMs(s.max)}`;

/** What the receiver got for a set of changes (pidxs), checked: one event per pidx, once per webhook-id, signed. */
interface Checked {
  /** pidx -> the first arrival of its event and the event's timestamp. */
  byPidx: Map<string, { arrivedAt: number; timestamp: number }>;
  received: number;
  distinctIds: number;
  duplicates: number;
  missing: number;
  /** Events for a pidx outside the set, or a second event for one pidx. */
  unexpected: number;
  badSignatures: number;
}

function checkArrivals(arrivals: Arrival[], pidxs: string[], verifier: Webhook): Checked {
  const wanted = new Set(pidxs);
  const seenIds = new Map<string, string>();
  const byPidx = new Map<string, { arrivedAt: number; timestamp: number }>();
  let duplicates = 0;
  let unexpected = 0;
  let badSignatures = 0;
  for (const arrival of arrivals) {
    try {
      verifier.verify(arrival.body, arrival.headers);
    } catch {
      badSignatures++;
    }
    const id = arrival.headers['webhook-id']!;
    const event = JSON.parse(arrival.body) as { type: string; timestamp: string; data: { pidx: string; status: string } };
    if (seenIds.has(id)) {
      duplicates++;
      continue;
    }
    seenIds.set(id, event.data.pidx);
    if (event.type !== 'payment.completed' || !wanted.has(event.data.pidx) || byPidx.has(event.data.pidx)) {
      unexpected++;
      continue;
    }
    byPidx.set(event.data.pidx, { arrivedAt: arrival.arrivedAt, timestamp: Date.parse(event.timestamp) });
  }
  return { byPidx, received: arrivals.length, distinctIds: seenIds.size, duplicates, missing: pidxs.length - byPidx.size, unexpected, badSignatures };
}

/**
 * Stamps the commit of every unit of work that queued a webhook delivery for a status change: the
 * gateway's units resolve only after their commit (Database.transaction), and the status-change
 * unit resolves to its outcome ({ change: { pidx }, queued }), so the bench wraps the app's
 * transaction() and notes the wall-clock time each such unit settled, keyed by pidx. Nothing else
 * changes; restore() puts the original back. A unit whose outcome has another shape is not stamped
 * (the report then shows no "from the commit" figure rather than a wrong one).
 */
function stampCommits(database: Database): { commits: Map<string, number>; restore(): void } {
  const commits = new Map<string, number>();
  const target = database as { transaction: Database['transaction'] };
  const original = target.transaction;
  const bound = original.bind(database);
  target.transaction = async <T>(work: (tx: Tx) => Promise<T>, unitOptions?: UnitOptions): Promise<T> => {
    const result = await bound(work, unitOptions);
    const outcome = result as { change?: { pidx?: unknown } | null; queued?: unknown } | undefined;
    if (outcome && typeof outcome === 'object' && typeof outcome.queued === 'number' && outcome.queued > 0 && typeof outcome.change?.pidx === 'string') {
      commits.set(outcome.change.pidx, wallNow());
    }
    return result;
  };
  return {
    commits,
    restore: () => {
      target.transaction = original;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// One engine

interface Context {
  load: LoadGenerator;
  fake: FakeKhalti;
  log: (line: string) => void;
  n: (count: number) => number;
  ms: (duration: number, floor: number) => number;
  orderId: () => string;
  problems: string[];
}

async function benchEngine(ctx: Context, engine: WebhookBenchEngine, databaseUrl: string): Promise<{ latency: LatencyFigures; throughput: ThroughputFigures }> {
  const { load, log } = ctx;
  const env = { ...sandboxEnv(databaseUrl, ctx.fake.origin), WEBHOOK_SIGNING_KEY: SIGNING_KEY, WEBHOOK_ALLOW_PRIVATE: 'true' };
  const app: App = await createApp(loadConfig(env), { log: silentLog, startReconciler: false });
  const receiver = await Receiver.start();
  try {
    const origin = app.url;
    const one = async (query: string, variables: Record<string, unknown>, key: string) => {
      const result = await load.run(origin, [gql(query, variables, key)], 1);
      return dataOf(result.statuses[0]!, result.bodies[0]!);
    };
    const initiate = async (count: number): Promise<string[]> => {
      const result = await load.run(origin, Array.from({ length: count }, () => gql(INITIATE, { input: orderInput(ctx.orderId()) }, SERVER_KEY)), MAX_CONCURRENCY);
      const pidxs: string[] = [];
      checkAll('initiate (webhook bench)', result, (status, body) => {
        const payload = dataOf(status, body).initiatePayment;
        if (payload.userErrors.length || payload.payment?.status !== 'INITIATED') throw new Error(`initiate: ${JSON.stringify(payload)}`);
        pidxs.push(payload.payment.pidx as string);
      });
      return pidxs;
    };
    const verifyRequests = (pidxs: string[]): HttpRequest[] => pidxs.map((pidx) => gql(VERIFY, { pidx }, CLIENT_KEY));
    const checkVerified = (what: string, result: RunResult, pidxs: string[]) =>
      checkAll(what, result, (status, body, i) => {
        const payment = dataOf(status, body).verifyPayment;
        if (payment?.pidx !== pidxs[i % pidxs.length] || payment.status !== 'COMPLETED' || !payment.paid) throw new Error(`verify: ${JSON.stringify(payment)}`);
      });
    const deliveries = app.database.read.webhookDeliveries;
    const pendingNone = async () => (await deliveries.count({ state: 'PENDING' })) === 0;

    const created = (await one(CREATE_ENDPOINT, { input: { url: receiver.url, events: ['PAYMENT_COMPLETED'], description: 'bench receiver' } }, ADMIN_KEY)).createWebhookEndpoint;
    if (created.userErrors.length) throw new Error(`createWebhookEndpoint: ${JSON.stringify(created.userErrors)}`);
    const endpointId = created.endpoint.id as string;
    const verifier = new Webhook(created.secret as string);
    let enabled = true;
    const setEnabled = async (value: boolean) => {
      if (value === enabled) return;
      const payload = (await one(UPDATE_ENDPOINT, { input: { id: endpointId, enabled: value } }, ADMIN_KEY)).updateWebhookEndpoint;
      if (payload.userErrors.length || payload.endpoint.enabled !== value) throw new Error(`updateWebhookEndpoint: ${JSON.stringify(payload)}`);
      enabled = value;
    };

    // --- 1. latency ------------------------------------------------------------------------------
    const warmChanges = ctx.n(100);
    const changes = ctx.n(1000); // 20 s at 50/s
    log(`bench: ${engine}: webhooks: commit -> arrival, ${changes} status changes at ${1000 / INTERVAL_MS}/s (initiating ${warmChanges + changes} payments first)`);
    const latencyPidxs = await initiate(warmChanges + changes);
    const warmPidxs = latencyPidxs.splice(0, warmChanges);
    // Warm-up (not recorded): the same path, so the first measured changes find connections open.
    checkVerified('verify (webhook warm-up)', await load.paced(origin, verifyRequests(warmPidxs), INTERVAL_MS, warmChanges * INTERVAL_MS), warmPidxs);
    await until('the warm-up webhooks', async () => (await receiver.count()) >= warmChanges && (await pendingNone()), () => receiver.count());
    await sleep(200);
    const warmCheck = checkArrivals(await receiver.take(), warmPidxs, verifier);
    if (warmCheck.missing || warmCheck.duplicates || warmCheck.unexpected || warmCheck.badSignatures) ctx.problems.push(`${engine}: warm-up webhooks: ${JSON.stringify({ ...warmCheck, byPidx: undefined })}`);

    const loadAverage = loadavg()[0]!;
    const stamps = stampCommits(app.database);
    const statementsBefore = app.database.statementCount();
    const before = cpuSample();
    let sent: RunResult;
    let statements: number;
    let after: CpuSample;
    try {
      sent = await load.paced(origin, verifyRequests(latencyPidxs), INTERVAL_MS, changes * INTERVAL_MS);
      checkVerified('verify (status change)', sent, latencyPidxs);
      await until('every webhook of the latency phase', async () => (await receiver.count()) >= changes && (await pendingNone()), () => receiver.count());
      after = cpuSample();
      statements = app.database.statementCount() - statementsBefore;
    } finally {
      stamps.restore();
    }
    // Anything sent twice would come now or never: well past an attempt and its record.
    await sleep(1000);
    const checked = checkArrivals(await receiver.take(), latencyPidxs, verifier);
    const fromCommit: number[] = [];
    const fromTimestamp: number[] = [];
    const fromAnswer: number[] = [];
    latencyPidxs.forEach((pidx, i) => {
      const arrival = checked.byPidx.get(pidx);
      if (!arrival) return;
      const committed = stamps.commits.get(pidx);
      if (committed !== undefined) fromCommit.push(arrival.arrivedAt - committed);
      fromTimestamp.push(arrival.arrivedAt - arrival.timestamp);
      fromAnswer.push(arrival.arrivedAt - (sent.startedAt[i]! + sent.latencies[i]!));
    });
    const sends = Array.from(sent.startedAt);
    const latency: LatencyFigures = {
      engine,
      changes,
      sentPerSecond: ((changes - 1) / (Math.max(...sends) - Math.min(...sends))) * 1000,
      received: checked.received,
      distinctIds: checked.distinctIds,
      duplicates: checked.duplicates,
      missing: checked.missing,
      badSignatures: checked.badSignatures,
      commitsStamped: fromCommit.length,
      fromCommit: spread(fromCommit),
      fromTimestamp: spread(fromTimestamp),
      fromAnswer: spread(fromAnswer),
      verify: spread(Array.from(sent.latencies)),
      statementsPerChange: statements / changes,
      deliveredRows: await deliveries.count({ state: 'DELIVERED' }),
      otherDeliveryRows: (await deliveries.count({})) - (await deliveries.count({ state: 'DELIVERED' })),
      otherCores: otherCores(before, after),
      postgresCores: engine === 'PostgreSQL' ? postgresCores(before, after) : null,
      loadAverage,
    };
    if (checked.missing || checked.duplicates || checked.unexpected || checked.badSignatures || checked.distinctIds !== changes) {
      ctx.problems.push(`${engine}: latency phase: ${changes} changes, ${checked.received} webhooks, ${checked.distinctIds} webhook-ids, ${checked.duplicates} duplicates, ${checked.missing} missing, ${checked.unexpected} unexpected, ${checked.badSignatures} bad signatures`);
    }
    if (latency.deliveredRows !== warmChanges + changes || latency.otherDeliveryRows !== 0) {
      ctx.problems.push(`${engine}: latency phase: ${latency.deliveredRows} deliveries DELIVERED (expected ${warmChanges + changes}), ${latency.otherDeliveryRows} in another state`);
    }
    log(
      `  ${engine} commit -> arrival p50 / p99 / max: ${fmtSpread(latency.fromCommit)} ms (${latency.commitsStamped} commits stamped), ${fmtSpread(latency.fromTimestamp)} ms from the event timestamp, ${fmtSpread(latency.fromAnswer)} ms from the verify answer; ` +
        `${checked.distinctIds}/${changes} webhook-ids, ${checked.duplicates} duplicates`,
    );

    // --- 2. verifyPayment with and without an endpoint, 50 changes/s in the background --------------
    const roundMs = ctx.ms(2000, 400);
    const perArm = Math.max(1, Math.floor(roundMs / INTERVAL_MS));
    const measured = latencyPidxs.slice(0, 300); // COMPLETED now: verifying them again changes nothing
    const measuredRequests = verifyRequests(measured);
    log(`bench: ${engine}: webhooks: verifyPayment (no change) x${MAX_CONCURRENCY}, endpoint disabled vs enabled, ${ROUNDS} rounds of ${roundMs} ms per arm (initiating ${perArm * (2 * ROUNDS + 2)} background payments)`);
    const background = await initiate(perArm * (2 * ROUNDS + 2));
    const arm = async (withEndpoint: boolean) => {
      await setEnabled(withEndpoint);
      const changing = background.splice(0, perArm);
      const rowsBefore = await deliveries.count({});
      const statementsBefore = app.database.statementCount();
      const mainBefore = mainThreadCpuMs();
      const cpuBefore: CpuSample = cpuSample();
      const [changed, result] = await Promise.all([
        load.paced(origin, verifyRequests(changing), INTERVAL_MS, perArm * INTERVAL_MS),
        load.run(origin, measuredRequests, MAX_CONCURRENCY, { durationMs: roundMs, cycle: true }),
      ]);
      const cpuAfter = cpuSample();
      const mainAfter = mainThreadCpuMs();
      const statements = app.database.statementCount() - statementsBefore;
      const ended = wallNow();
      checkVerified('verify (background change)', changed, changing);
      checkVerified('verify (no change)', result, measured);
      let webhooks = 0;
      let drainMs = NaN;
      if (withEndpoint) {
        await until('the with-endpoint arm\'s webhooks', async () => (await receiver.count()) >= perArm && (await pendingNone()), () => receiver.count());
        const arrivals = await receiver.take();
        const armCheck = checkArrivals(arrivals, changing, verifier);
        webhooks = armCheck.byPidx.size;
        drainMs = Math.max(...arrivals.map((a) => a.arrivedAt)) - ended;
        if (armCheck.missing || armCheck.duplicates || armCheck.unexpected || armCheck.badSignatures) {
          ctx.problems.push(`${engine}: with-endpoint arm: ${perArm} changes, ${armCheck.received} webhooks, ${armCheck.missing} missing, ${armCheck.duplicates} duplicates, ${armCheck.unexpected} unexpected, ${armCheck.badSignatures} bad signatures`);
        }
      } else {
        const written = (await deliveries.count({})) - rowsBefore;
        const arrived = (await receiver.take()).length;
        if (written || arrived) ctx.problems.push(`${engine}: endpoint-disabled arm wrote ${written} deliveries and ${arrived} webhooks arrived (expected none)`);
      }
      return {
        perSecond: (result.latencies.length / result.elapsedMs) * 1000,
        /** Main-thread CPU ms per measured request, the background changes' (and webhooks') share included. */
        mainCpuPerRequest: mainBefore === null || mainAfter === null ? NaN : (mainAfter - mainBefore) / result.latencies.length,
        mainCores: mainBefore === null || mainAfter === null ? NaN : (mainAfter - mainBefore) / (cpuAfter.at - cpuBefore.at),
        statementsPerRequest: statements / result.latencies.length,
        p50: percentile(Float64Array.from(result.latencies).sort(), 50),
        webhooks,
        drainMs,
        otherCores: otherCores(cpuBefore, cpuAfter),
        postgresCores: engine === 'PostgreSQL' ? postgresCores(cpuBefore, cpuAfter) : null,
        ownCores: ownCores(cpuBefore, cpuAfter),
      };
    };
    // One unrecorded arm each first.
    await arm(false);
    await arm(true);
    const throughputLoad = loadavg()[0]!;
    const rounds: ThroughputRound[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const none = await arm(false);
      const withEndpoint = await arm(true);
      rounds.push({
        none: none.perSecond,
        withEndpoint: withEndpoint.perSecond,
        ratio: withEndpoint.perSecond / none.perSecond,
        noneP50: none.p50,
        withP50: withEndpoint.p50,
        webhooks: withEndpoint.webhooks,
        drainMs: withEndpoint.drainMs,
        mainCpuNone: none.mainCpuPerRequest,
        mainCpuWith: withEndpoint.mainCpuPerRequest,
        mainCoresNone: none.mainCores,
        mainCoresWith: withEndpoint.mainCores,
        statementsNone: none.statementsPerRequest,
        statementsWith: withEndpoint.statementsPerRequest,
        otherCores: none.otherCores === null || withEndpoint.otherCores === null ? null : (none.otherCores + withEndpoint.otherCores) / 2,
        postgresCores: withEndpoint.postgresCores,
      });
      log(
        `  round ${round + 1}: ${fmtRate(none.perSecond)} vs ${fmtRate(withEndpoint.perSecond)} req/s (${(withEndpoint.perSecond / none.perSecond).toFixed(2)}x); ` +
          `main thread ${none.mainCores.toFixed(2)} vs ${withEndpoint.mainCores.toFixed(2)} cores, ${none.mainCpuPerRequest.toFixed(2)} vs ${withEndpoint.mainCpuPerRequest.toFixed(2)} ms per request; ` +
          `this process ${none.ownCores.toFixed(2)} vs ${withEndpoint.ownCores.toFixed(2)} cores; other processes ${fmtCores(none.otherCores)} / ${fmtCores(withEndpoint.otherCores)}`,
      );
    }
    const ratio = median(rounds.map((r) => r.ratio));
    const keptUp = rounds.every((r) => r.drainMs <= KEPT_UP_MS);
    const throughput: ThroughputFigures = { engine, rounds, ratio, target: TARGET, met: ratio >= TARGET, keptUp, loadAverage: throughputLoad };
    log(
      `  ${engine} verifyPayment with an endpoint / none: ${ratio.toFixed(2)}x (rounds ${rounds.map((r) => r.ratio.toFixed(2)).join(' ')}), target ${TARGET}x ${throughput.met ? 'met' : 'NOT met'}` +
        (keptUp ? '' : `; delivery fell behind (last webhook up to ${fmtMs(Math.max(...rounds.map((r) => r.drainMs)))} ms after an arm)`),
    );
    return { latency, throughput };
  } finally {
    await app.close();
    await receiver.close();
  }
}

// ---------------------------------------------------------------------------------------------
// The report

function latencyTable(rows: LatencyFigures[]): string {
  const lines = [
    '| engine | status changes (sent/s) | webhooks received | distinct webhook-ids | duplicates | missing | bad signatures | commit -> arrival p50 / p99 / max ms | from the event timestamp | from the verify answer | verifyPayment p50 / p99 / max ms | SQL statements per change | deliveries DELIVERED / other | PostgreSQL, cores | other processes, cores | load avg (1 min) |',
    '|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|',
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.engine} | ${r.changes.toLocaleString('en-US')} (${r.sentPerSecond.toFixed(1)}) | ${r.received.toLocaleString('en-US')} | ${r.distinctIds.toLocaleString('en-US')} | ${r.duplicates} | ${r.missing} | ${r.badSignatures} | ` +
        `**${fmtSpread(r.fromCommit)}**${r.commitsStamped === r.changes ? '' : ` (${r.commitsStamped} commits stamped)`} | ${fmtSpread(r.fromTimestamp)} | ${fmtSpread(r.fromAnswer)} | ${fmtSpread(r.verify)} | ` +
        `${r.statementsPerChange.toFixed(1)} | ${r.deliveredRows.toLocaleString('en-US')} / ${r.otherDeliveryRows} | ` +
        `${r.postgresCores === null ? '-' : fmtCores(r.postgresCores)} | ${fmtCores(r.otherCores)} | ${r.loadAverage.toFixed(2)} |`,
    );
  }
  return lines.join('\n');
}

function throughputTable(rows: ThroughputFigures[]): string {
  const lines = [
    '| engine | clients | endpoint disabled, req/s | endpoint enabled, req/s | ratio (median of rounds) | round ratios, min to max | target | p50 ms disabled / enabled | webhooks per enabled arm | last webhook after the arm, max ms | main thread cores, disabled / enabled | main thread CPU ms per request, disabled / enabled | SQL statements per request, disabled / enabled | PostgreSQL cores (enabled arms) | other processes, cores (median) | load avg (1 min) |',
    '|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|',
  ];
  for (const r of rows) {
    const each = r.rounds.map((round) => round.ratio);
    const others = r.rounds.map((round) => round.otherCores).filter((value): value is number => value !== null);
    const pg = r.rounds.map((round) => round.postgresCores).filter((value): value is number => value !== null);
    lines.push(
      `| ${r.engine} | ${MAX_CONCURRENCY} | ${fmtRate(median(r.rounds.map((x) => x.none)))} | ${fmtRate(median(r.rounds.map((x) => x.withEndpoint)))} | **${r.ratio.toFixed(2)}x** | ` +
        `${Math.min(...each).toFixed(2)} to ${Math.max(...each).toFixed(2)} | >= ${r.target}x ${r.met ? (r.keptUp ? '(met)' : '(met, but see below)') : '(not met)'} | ` +
        `${fmtMs(median(r.rounds.map((x) => x.noneP50)))} / ${fmtMs(median(r.rounds.map((x) => x.withP50)))} | ${median(r.rounds.map((x) => x.webhooks))} | ` +
        `${fmtMs(Math.max(...r.rounds.map((x) => x.drainMs)))} | ${fmtCores(median(r.rounds.map((x) => x.mainCoresNone)))} / ${fmtCores(median(r.rounds.map((x) => x.mainCoresWith)))} | ` +
        `${fmtMs(median(r.rounds.map((x) => x.mainCpuNone)))} / ${fmtMs(median(r.rounds.map((x) => x.mainCpuWith)))} | ${median(r.rounds.map((x) => x.statementsNone)).toFixed(1)} / ${median(r.rounds.map((x) => x.statementsWith)).toFixed(1)} | ${pg.length ? fmtCores(median(pg)) : '-'} | ${others.length ? fmtCores(median(others)) : 'unknown'} | ${r.loadAverage.toFixed(2)} |`,
    );
  }
  for (const r of rows.filter((x) => !x.keptUp)) {
    lines.push(
      '',
      `${r.engine}: in some enabled arms the last webhook arrived up to ${fmtMs(Math.max(...r.rounds.map((x) => x.drainMs)))} ms after the arm ended (more than ${KEPT_UP_MS} ms): ` +
        `delivery did not keep up with ${1000 / INTERVAL_MS} changes per second, part of its work fell outside the measured window, and the ratio flatters the endpoint.`,
    );
  }
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------
// The run

export async function runWebhookBench(options: WebhookBenchOptions = {}): Promise<WebhookBenchResult> {
  const scale = options.scale ?? Number(process.env.BENCH_SCALE ?? '1');
  if (!(scale > 0)) throw new Error('BENCH_SCALE must be a positive number');
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const engines = options.engines ?? ['SQLite', 'PostgreSQL'];
  const closers: (() => Promise<void>)[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'khalti-graphql-webhook-bench-'));
  const loadBefore = loadavg()[0]!;
  const cpuAtStart = cpuSample();
  const startedAt = performance.now();
  try {
    const fake = options.fake ?? (await startFakeKhalti());
    if (!options.fake) closers.push(() => fake.close());
    const load = options.load ?? new LoadGenerator();
    if (!options.load) closers.push(() => load.close());
    let orders = 0;
    const ctx: Context = {
      load,
      fake,
      log,
      n: (count) => Math.max(1, Math.round(count * scale)),
      ms: (duration, floor) => Math.max(floor, Math.round(duration * scale)),
      orderId: () => `bench-webhooks-${process.pid}-${++orders}`,
      problems: [],
    };
    const latency: LatencyFigures[] = [];
    const throughput: ThroughputFigures[] = [];
    const shown: string[] = [];
    for (const engine of engines) {
      let databaseUrl: string;
      let drop: (() => Promise<void>) | null = null;
      if (engine === 'SQLite') {
        databaseUrl = `file:${join(dir, 'webhooks.sqlite')}`;
        shown.push('SQLite (a new file in the OS temp folder; WAL, each commit fdatasynced off the event loop before it is answered)');
      } else {
        const postgres = await createPostgresDatabase();
        databaseUrl = postgres.url;
        drop = () => postgres.drop();
        shown.push(`PostgreSQL (${postgres.shown}, created for the run and dropped after it)`);
      }
      try {
        const figures = await benchEngine(ctx, engine, databaseUrl);
        latency.push(figures.latency);
        throughput.push(figures.throughput);
      } finally {
        await drop?.();
      }
    }

    const wall = (performance.now() - startedAt) / 1000;
    const changes = latency[0]?.changes ?? 0;
    const roundMs = ctx.ms(2000, 400);
    const markdown = [
      '## Webhooks (issue 10)',
      '',
      `- Engines: ${shown.join('; ')}. Load average (1 min) before / after: ${loadBefore.toFixed(2)} / ${loadavg()[0]!.toFixed(2)}; ` +
        `CPU used by other processes during these benches: ${fmtCores(otherCores(cpuAtStart, cpuSample()))} cores; wall time ${wall.toFixed(1)} s.`,
      '- The gateway runs with KHALTI_ENV=sandbox against the fake Khalti (a Completed lookup for every pidx it initiated), reconciler off, log silent, the webhook settings at their defaults ' +
        '(WEBHOOK_POLL_INTERVAL_MS 1000, WEBHOOK_CONCURRENCY 8, the worker woken after each commit that queued a delivery) but WEBHOOK_SIGNING_KEY and WEBHOOK_ALLOW_PRIVATE=true (the receiver is on loopback). ' +
        'One endpoint, registered through createWebhookEndpoint for PAYMENT_COMPLETED, points at a receiver in a worker thread of its own (node:http on 127.0.0.1, answering 204, stamping each request when its last byte arrives).',
      '',
      '### Commit -> arrival at 50 status changes per second',
      '',
      `Payments are initiated first; then verifyPayment is sent for each of ${changes.toLocaleString('en-US')} of them, one every ${INTERVAL_MS} ms (open loop, after ${ctx.n(100)} unrecorded ones), ` +
        'and each is a status change INITIATED -> COMPLETED whose unit of work records a payment.completed event and its delivery. ' +
        '**Commit -> arrival** runs from the moment the change\'s unit of work settled in the gateway (Database.transaction settles only after the commit; the bench wraps the app\'s transaction() for this phase and stamps each unit that queued a delivery, keyed by pidx) ' +
        'to the moment the receiver had the whole request. Two figures a merchant could take bracket it: **from the event timestamp** (the `timestamp` in the body, which the delivery row\'s createdAt equals: ' +
        'the time the change was stamped, before the gateway\'s read of the row and its unit of work, so it overstates by the unit: lock, update, audit row, outbox rows, commit) ' +
        'and **from the verify answer** (its arrival at the client, after the commit, so it understates by the answer\'s trip and is negative where the webhook came first). ' +
        'SQL statements per change counts every statement the gateway ran during the phase (the verify\'s read, lookup audit row and change unit, and the webhook\'s claim, reads and record) over the changes. ' +
        'Every webhook is checked with the `standardwebhooks` package against the endpoint\'s secret; each change must arrive exactly once (one webhook-id per change, no id twice, 1 s of quiet after the last).',
      '',
      latencyTable(latency),
      '',
      '### verifyPayment with one subscribed endpoint vs none',
      '',
      `${MAX_CONCURRENCY} closed-loop clients verify COMPLETED payments (no status change; ${Math.min(300, changes)} cycled), ${ROUNDS} rounds of two arms of ${roundMs} ms each (endpoint disabled, then enabled), after one unrecorded arm of each, ` +
        `on one gateway and database. In both arms ${1000 / INTERVAL_MS} status changes per second (verifyPayment of fresh INITIATED payments, open loop) run alongside. ` +
        'What differs is only whether the endpoint is enabled (updateWebhookEndpoint between arms): enabled, each change\'s unit also writes an event and a delivery, and the worker claims, signs, sends and records each; ' +
        'disabled, the changes write no webhook rows and the worker only polls, as with no endpoint at all. ' +
        'Before the endpoint is disabled the bench waits until the enabled arm\'s webhooks have all arrived (exactly once, signed) and none is PENDING, so no delivery spills into the next arm; the wait is not measured. ' +
        `A round's ratio is enabled req/s over disabled req/s; the ratio shown is the median of the rounds. Target: >= ${TARGET}x. ` +
        'The main-thread columns are the CPU time of the thread the gateway runs on (from /proc; not the load generator\'s, fake Khalti\'s or receiver\'s threads), which does not depend on how much of the machine other processes took: ' +
        'per measured request they include the background changes\' share and, enabled, the webhooks\', so their difference is what delivery costs the event loop. ' +
        'SQL statements per request count the same way (Database.statementCount).',
      '',
      throughputTable(throughput),
      '',
      ...(ctx.problems.length ? ['**Problems:**', '', ...ctx.problems.map((p) => `- ${p}`), ''] : []),
    ].join('\n');
    return { markdown, latency, throughput, ok: ctx.problems.length === 0, problems: ctx.problems };
  } finally {
    for (const close of closers.splice(0).reverse()) await close().catch((error: unknown) => log(`bench: webhooks: cleanup: ${String(error)}`));
    rmSync(dir, { recursive: true, force: true });
  }
}
