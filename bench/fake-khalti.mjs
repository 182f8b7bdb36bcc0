// A minimal fake Khalti for bench/run.ts, run in a worker thread of its own so that it shares its
// event loop with neither the gateway nor the bare proxy it is the upstream of. It answers:
//   POST /api/v2/epayment/initiate/  a new pidx (remembered), as Khalti's initiate does
//   POST /api/v2/epayment/lookup/    for a pidx it handed out: a fixed Completed body, serialised
//                                    once at initiate time; any other pidx: 404 Not found
// and nothing else (404). No validation, no timers, no storage but one Map.
//
// Messages out: { port } once listening. Messages in: { type: 'stats' } -> { lookups, initiates };
// { type: 'close' }.
import { createServer } from 'node:http';
import { randomBytes } from 'node:crypto';
import { parentPort } from 'node:worker_threads';

const INITIATE = '/api/v2/epayment/initiate/';
const LOOKUP = '/api/v2/epayment/lookup/';
const NOT_FOUND = JSON.stringify({ detail: 'Not found.', error_key: 'validation_error' });

/** pidx -> the lookup body, already a string. */
const completed = new Map();
let lookups = 0;
let initiates = 0;

function reply(res, status, text) {
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    if (req.method !== 'POST') return reply(res, 404, NOT_FOUND);
    if (req.url === LOOKUP) {
      lookups += 1;
      let pidx;
      try {
        pidx = JSON.parse(Buffer.concat(chunks).toString('utf8')).pidx;
      } catch {
        return reply(res, 400, JSON.stringify({ detail: 'JSON parse error', error_key: 'validation_error' }));
      }
      const body = completed.get(pidx);
      return body === undefined ? reply(res, 404, NOT_FOUND) : reply(res, 200, body);
    }
    if (req.url === INITIATE) {
      initiates += 1;
      // Khalti's pidx: 22 letters and digits.
      const pidx = randomBytes(24).toString('base64').replace(/[^A-Za-z0-9]/g, '').slice(0, 22);
      completed.set(
        pidx,
        JSON.stringify({ pidx, total_amount: 1300, status: 'Completed', transaction_id: `T${pidx.slice(0, 21)}`, fee: 0, refunded: false }),
      );
      const expires = new Date(Date.now() + 30 * 60 * 1000).toISOString();
      return reply(res, 200, JSON.stringify({ pidx, payment_url: `https://test-pay.khalti.com/?pidx=${pidx}`, expires_at: expires, expires_in: 1800 }));
    }
    return reply(res, 404, NOT_FOUND);
  });
});

server.listen(0, '127.0.0.1', () => parentPort.postMessage({ port: server.address().port }));

parentPort.on('message', (message) => {
  if (message.type === 'stats') parentPort.postMessage({ lookups, initiates });
  if (message.type === 'close') {
    server.closeAllConnections();
    server.close(() => parentPort.close());
  }
});
