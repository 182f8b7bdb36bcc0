// A merchant's webhook receiver for bench/webhooks.ts, in a worker thread of its own so that its
// work shares the event loop of neither the gateway (which sends to it) nor the load generator.
// node:http on 127.0.0.1, port 0: every POST is read to its end, recorded with the wall-clock time
// its last byte arrived (performance.timeOrigin + performance.now(), as bench/load-worker.mjs
// stamps its requests), and answered 204. Nothing is checked here: the bench checks signatures
// and counts after each phase, outside the measured time.
//
// Messages out: { port } once listening. Messages in (answers echo the id): { type: 'count', id }
// -> { id, count }; { type: 'take', id } -> { id, received: [{ arrivedAt, headers, body }] } (and
// forgets them); { type: 'close' }.
import { createServer } from 'node:http';
import { performance } from 'node:perf_hooks';
import { parentPort } from 'node:worker_threads';

let received = [];

const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    const arrivedAt = performance.timeOrigin + performance.now();
    received.push({
      arrivedAt,
      headers: {
        'webhook-id': req.headers['webhook-id'] ?? '',
        'webhook-timestamp': req.headers['webhook-timestamp'] ?? '',
        'webhook-signature': req.headers['webhook-signature'] ?? '',
      },
      body: Buffer.concat(chunks).toString('utf8'),
    });
    res.writeHead(204).end();
  });
});

server.listen(0, '127.0.0.1', () => parentPort.postMessage({ port: server.address().port }));

parentPort.on('message', (message) => {
  if (message.type === 'count') parentPort.postMessage({ id: message.id, count: received.length });
  if (message.type === 'take') {
    parentPort.postMessage({ id: message.id, received });
    received = [];
  }
  if (message.type === 'close') {
    server.closeAllConnections();
    server.close(() => parentPort.close());
  }
});
