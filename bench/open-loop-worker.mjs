// The open-loop load of bench/scale.ts, in a worker thread (no event loop shared with anything
// under test). Requests are sent at a fixed arrival rate whatever the answers do, and each one's
// latency is counted from the moment it was due, not from when it went out: if the sender (or a
// connection) fell behind, the wait counts, so queueing cannot hide (no coordinated omission).
//
// The mix: even slots initiate a new order (server key); odd slots verify a payment answered
// earlier in the run (client key), picked at random; until one was answered, an odd slot
// initiates too. Every `repeatEvery`-th initiate repeats the previous order with the same input
// (a client retrying, or a double click), sent to the next origin, so with two instances both are
// asked for one order at about the same time. `origins` are taken in turn per pair of slots (a
// trivial round robin standing in for a load balancer): per request, with two origins, every
// initiate (even slots) would go to one instance and every verify to the other.
//
// Message in: { type: 'load', id, origins, ratePerSecond, durationMs, initiate, verify, serverKey,
//   clientKey, input, orderPrefix, repeatEvery }  (initiate/verify: GraphQL documents; input: an
//   initiatePayment input without purchaseOrderId)
// Message out: { id, results: [{ kind, origin, dueAt (wall ms), latency, status, ok, error, pidx,
//   order }], elapsedMs, lateSends }   or   { id, error }
//   lateSends: requests that went out more than 5 ms after they were due (the sender's own lag).
import { parentPort, workerData } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';

/** A request not answered this long after it was due is an error ("no answer"). */
const DEADLINE_MS = 30_000;
const pools = new Map();
function poolFor(origin) {
  let pool = pools.get(origin);
  if (!pool) {
    // Enough connections that a request never waits for one here (open loop).
    pool = new Pool(origin, { connections: workerData?.connections ?? 512, pipelining: 1, headersTimeout: 30_000, bodyTimeout: 30_000 });
    pools.set(origin, pool);
  }
  return pool;
}

function outcome(kind, status, text, wantPidx) {
  if (status === 0) return { ok: false, error: text.startsWith('no answer') ? 'no answer in 30 s' : `connection error (${text.slice(0, 80)})` };
  if (status !== 200) return { ok: false, error: `HTTP ${status}` };
  let parsed;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { ok: false, error: 'not JSON' };
  }
  if (parsed.errors?.length) return { ok: false, error: parsed.errors[0]?.extensions?.code ?? 'GraphQL error' };
  if (kind === 'initiate') {
    const payload = parsed.data?.initiatePayment;
    if (payload?.userErrors?.length) return { ok: false, error: `userError ${payload.userErrors[0].code ?? payload.userErrors[0].message}` };
    const pidx = payload?.payment?.pidx;
    return pidx ? { ok: true, pidx } : { ok: false, error: 'no pidx' };
  }
  const payment = parsed.data?.verifyPayment;
  return payment?.pidx === wantPidx ? { ok: true, pidx: wantPidx } : { ok: false, error: 'wrong payment' };
}

async function load(m) {
  const interval = 1000 / m.ratePerSecond;
  const count = Math.max(1, Math.floor((m.durationMs / 1000) * m.ratePerSecond));
  const answered = [];
  const results = new Array(count);
  const pending = [];
  let initiates = 0;
  let orders = 0;
  let lastOrder = null;
  let lateSends = 0;
  const started = performance.now();
  const wallStart = performance.timeOrigin + started;

  const send = async (i, due) => {
    const originIndex = Math.floor(i / 2) % m.origins.length;
    let kind = i % 2 === 1 && answered.length ? 'verify' : 'initiate';
    let body;
    let key;
    let order = null;
    let wantPidx = null;
    if (kind === 'verify') {
      wantPidx = answered[Math.floor(Math.random() * answered.length)];
      body = JSON.stringify({ query: m.verify, variables: { pidx: wantPidx } });
      key = m.clientKey;
    } else {
      initiates += 1;
      order = lastOrder !== null && initiates % m.repeatEvery === 0 ? lastOrder : `${m.orderPrefix}-${++orders}`;
      lastOrder = order;
      body = JSON.stringify({ query: m.initiate, variables: { input: { ...m.input, purchaseOrderId: order } } });
      key = m.serverKey;
    }
    let status = 0;
    let text = '';
    try {
      const response = await poolFor(m.origins[originIndex]).request({
        method: 'POST',
        path: '/graphql',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body,
        // Counted from the due time, queueing for a connection included: an overloaded server
        // ends the run 30 s after the last request was due at the latest.
        signal: AbortSignal.timeout(Math.max(1, Math.round(DEADLINE_MS - (performance.now() - due)))),
      });
      status = response.statusCode;
      text = await response.body.text();
    } catch (error) {
      text = error?.name === 'TimeoutError' ? `no answer within ${DEADLINE_MS / 1000} s of its due time` : String(error?.message ?? error);
    }
    const latency = performance.now() - due;
    const result = outcome(kind, status, text, wantPidx);
    if (result.ok && kind === 'initiate') answered.push(result.pidx);
    results[i] = { kind, origin: originIndex, dueAt: wallStart + (due - started), latency, status, ok: result.ok, error: result.error ?? null, pidx: result.pidx ?? null, order };
  };

  for (let i = 0; i < count; i++) {
    const due = started + i * interval;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    if (performance.now() - due > 5) lateSends += 1;
    pending.push(send(i, due));
  }
  await Promise.all(pending);
  return { results, elapsedMs: performance.now() - started, lateSends };
}

parentPort.on('message', (message) => {
  if (message.type === 'close') {
    Promise.allSettled([...pools.values()].map((pool) => pool.close())).finally(() => parentPort.close());
    return;
  }
  load(message).then(
    (result) => parentPort.postMessage({ id: message.id, ...result }),
    (error) => parentPort.postMessage({ id: message.id, error: String(error?.stack ?? error) }),
  );
});
