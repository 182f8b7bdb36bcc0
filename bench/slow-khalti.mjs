// A fake Khalti for the load and subscriber scenarios (bench/scale.ts), in a worker thread of its
// own. Unlike bench/fake-khalti.mjs it behaves like a slow, slightly unreliable upstream:
//   - every answer is held `delayMs` (300 ms in the load scenario) before it is written;
//   - a share `failRate` of requests (1%) is answered 503 Service Unavailable, nothing created;
//   - it counts the payments it created per purchase_order_id, so the bench can check afterwards
//     that no order got two payments (an initiate answered 503 created none);
//   - lookup of a pidx it handed out: `lookup: 'completed'` answers Completed; `lookup: 'toggle'`
//     alternates Pending-free statuses the gateway accepts in both directions (an unknown status,
//     which the gateway records as UNKNOWN, then Initiated, then unknown again ...), so every
//     verifyPayment of one pidx is one status change and one subscription event.
// workerData: { delayMs, failRate, lookup }. Messages out: { port } once listening.
// Messages in: { type: 'stats' } -> { initiates, lookups, failed, duplicateOrders, orders };
// { type: 'reset' } (counters only); { type: 'close' }.
import { createServer } from 'node:http';
import { randomBytes } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';

const { delayMs = 0, failRate = 0, lookup = 'completed' } = workerData ?? {};
const INITIATE = '/api/v2/epayment/initiate/';
const LOOKUP = '/api/v2/epayment/lookup/';
const NOT_FOUND = JSON.stringify({ detail: 'Not found.', error_key: 'validation_error' });
const UNAVAILABLE = JSON.stringify({ detail: 'Service temporarily unavailable.' });
/** Not one of Khalti's statuses: the gateway maps it to UNKNOWN, from which Initiated may follow. */
const ODD_STATUS = 'Bench Odd Status';

/** pidx -> { amount, lookups } */
const payments = new Map();
/** purchase_order_id -> payments created for it */
const perOrder = new Map();
let initiates = 0;
let lookups = 0;
let failed = 0;

function reply(res, status, text) {
  const write = () => {
    if (res.destroyed) return;
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };
  if (delayMs > 0) setTimeout(write, delayMs);
  else write();
}

function lookupBody(pidx, payment) {
  payment.lookups += 1;
  const status = lookup === 'toggle' ? (payment.lookups % 2 === 1 ? ODD_STATUS : 'Initiated') : 'Completed';
  const completed = status === 'Completed';
  return JSON.stringify({
    pidx,
    total_amount: payment.amount,
    status,
    transaction_id: completed ? `T${pidx.slice(0, 21)}` : null,
    fee: 0,
    refunded: false,
  });
}

const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    if (req.method !== 'POST' || (req.url !== LOOKUP && req.url !== INITIATE)) return reply(res, 404, NOT_FOUND);
    if (failRate > 0 && Math.random() < failRate) {
      failed += 1;
      return reply(res, 503, UNAVAILABLE);
    }
    let body;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      return reply(res, 400, JSON.stringify({ detail: 'JSON parse error', error_key: 'validation_error' }));
    }
    if (req.url === LOOKUP) {
      lookups += 1;
      const payment = payments.get(body.pidx);
      return payment === undefined ? reply(res, 404, NOT_FOUND) : reply(res, 200, lookupBody(body.pidx, payment));
    }
    initiates += 1;
    const pidx = randomBytes(24).toString('base64').replace(/[^A-Za-z0-9]/g, '').slice(0, 22);
    payments.set(pidx, { amount: Number(body.amount), lookups: 0 });
    const order = String(body.purchase_order_id);
    perOrder.set(order, (perOrder.get(order) ?? 0) + 1);
    const expires = new Date(Date.now() + 30 * 60 * 1000).toISOString();
    return reply(res, 200, JSON.stringify({ pidx, payment_url: `https://test-pay.khalti.com/?pidx=${pidx}`, expires_at: expires, expires_in: 1800 }));
  });
});
server.keepAliveTimeout = 60_000;

server.listen(0, '127.0.0.1', () => parentPort.postMessage({ port: server.address().port }));

parentPort.on('message', (message) => {
  if (message.type === 'stats') {
    let duplicateOrders = 0;
    for (const count of perOrder.values()) if (count > 1) duplicateOrders += 1;
    parentPort.postMessage({ initiates, lookups, failed, duplicateOrders, orders: perOrder.size });
  }
  if (message.type === 'reset') {
    initiates = 0;
    lookups = 0;
    failed = 0;
    perOrder.clear();
  }
  if (message.type === 'close') {
    server.closeAllConnections();
    server.close(() => parentPort.close());
  }
});
