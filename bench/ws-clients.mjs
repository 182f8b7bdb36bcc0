// The subscribers of bench/scale.ts: a child process (its file-descriptor limit raised by the
// parent) holding N WebSocket clients of one server, the gateway (graphql-transport-ws: init,
// ack, subscribe) or the raw ws baseline (just open). One such process per server, so both get
// the same client layout. It also sends the trigger itself, so that the trigger's send time and
// every socket's receipt time are read from one clock.
//
// IPC in:
//   { type: 'open', id, url, count, protocol: 'graphql-ws' | 'raw', authorization?, query?, variables? }
//       opens `count` sockets (at most 100 handshakes in flight), and for graphql-ws subscribes
//       each one (operation id "s", the same for all, so every socket receives the same bytes).
//       -> { id, opened, failed, firstError }
//   { type: 'round', id, trigger: { url, body, headers }, timeoutMs }
//       arms every socket, records performance.now(), POSTs the trigger, and waits until every
//       socket received one message (or timeoutMs). -> { id, latencies (ms from the trigger's
//       send, one per socket that received; Float64Array), missing, triggerMs, status, sample }
//       sample: the text one socket received (for the baseline to send the same bytes).
//   { type: 'close', id } closes every socket. -> { id }
import { performance } from 'node:perf_hooks';
import { request } from 'undici';
import WebSocket from 'ws';

const sockets = [];
let armed = false;
let received = 0;
let receipts = new Float64Array(0);
let sample = null;
let onAll = null;

function openOne(url, protocol, message) {
  return new Promise((resolve) => {
    const index = sockets.length;
    const ws = new WebSocket(url, protocol === 'graphql-ws' ? 'graphql-transport-ws' : undefined, { perMessageDeflate: false });
    sockets.push(ws);
    let ready = false;
    const done = (error) => {
      if (ready) return;
      ready = true;
      resolve(error ?? null);
    };
    ws.on('error', (error) => done(String(error?.message ?? error)));
    ws.on('close', (code, reason) => done(`closed ${code} ${reason}`));
    ws.on('message', (data) => {
      if (!ready) {
        // graphql-ws: the only message before "ready" is connection_ack.
        ws.send(JSON.stringify({ id: 's', type: 'subscribe', payload: { query: message.query, variables: message.variables } }));
        done(null);
        return;
      }
      if (!armed || receipts[index] !== 0) return;
      receipts[index] = performance.now();
      if (sample === null) sample = data.toString();
      received += 1;
      if (received === sockets.length) onAll?.();
    });
    ws.on('open', () => {
      if (protocol === 'graphql-ws') ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization: message.authorization } }));
      else done(null);
    });
  });
}

async function open(message) {
  let failed = 0;
  let firstError = null;
  let next = 0;
  const lane = async () => {
    while (next < message.count) {
      next += 1;
      const error = await openOne(message.url, message.protocol, message);
      if (error) {
        failed += 1;
        firstError ??= error;
      }
    }
  };
  await Promise.all(Array.from({ length: 100 }, lane));
  return { opened: message.count - failed, failed, firstError };
}

async function round(message) {
  receipts = new Float64Array(sockets.length);
  received = 0;
  sample = null;
  const all = new Promise((resolve) => {
    onAll = resolve;
  });
  armed = true;
  const sentAt = performance.now();
  const response = await request(message.trigger.url, { method: 'POST', headers: message.trigger.headers, body: message.trigger.body });
  const text = await response.body.text();
  const triggerMs = performance.now() - sentAt;
  let timer;
  await Promise.race([all, new Promise((resolve) => (timer = setTimeout(resolve, message.timeoutMs)))]);
  clearTimeout(timer);
  armed = false;
  onAll = null;
  const latencies = [];
  for (const at of receipts) if (at !== 0) latencies.push(at - sentAt);
  return { latencies: Float64Array.from(latencies), missing: sockets.length - latencies.length, triggerMs, status: response.statusCode, answer: text.slice(0, 300), sample };
}

process.on('message', (message) => {
  const work =
    message.type === 'open'
      ? open(message)
      : message.type === 'round'
        ? round(message)
        : Promise.resolve().then(() => {
            for (const ws of sockets.splice(0)) ws.terminate();
            return {};
          });
  work.then(
    (result) => process.send({ id: message.id, ...result }),
    (error) => process.send({ id: message.id, error: String(error?.stack ?? error) }),
  );
});
process.on('disconnect', () => process.exit(0));
