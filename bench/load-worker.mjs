// Load generator for bench/run.ts, run in a worker thread so that building requests and reading
// responses does not share the gateway's event loop. Plain JavaScript on purpose: it needs no
// TypeScript loader, whichever way run.ts itself is run.
//
// Messages in:  { type: 'run', requests: [{ method, path, body?, key? }], concurrency }
//               { type: 'close' }
// Messages out: { latencies: Float64Array, statuses: Int32Array, bodies: string[], elapsedMs }
import { parentPort, workerData } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';

const pool = new Pool(workerData.origin, {
  connections: workerData.connections,
  pipelining: 1,
  // Bounded: a stuck request fails the run instead of hanging it.
  headersTimeout: workerData.timeoutMs,
  bodyTimeout: workerData.timeoutMs,
});

async function run(requests, concurrency) {
  const n = requests.length;
  const latencies = new Float64Array(n);
  const statuses = new Int32Array(n);
  const bodies = new Array(n);
  let next = 0;

  const lane = async () => {
    for (;;) {
      const i = next++;
      if (i >= n) return;
      const r = requests[i];
      const headers = {};
      if (r.body !== undefined) headers['content-type'] = 'application/json';
      if (r.key) headers.authorization = `Bearer ${r.key}`;
      const started = performance.now();
      try {
        const response = await pool.request({ method: r.method, path: r.path, headers, body: r.body });
        const text = await response.body.text();
        latencies[i] = performance.now() - started;
        statuses[i] = response.statusCode;
        bodies[i] = text;
      } catch (error) {
        latencies[i] = performance.now() - started;
        statuses[i] = 0;
        bodies[i] = `${error?.name ?? 'Error'}: ${error?.message ?? String(error)}`;
      }
    }
  };

  const started = performance.now();
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, lane));
  const elapsedMs = performance.now() - started;
  return { latencies, statuses, bodies, elapsedMs };
}

parentPort.on('message', (message) => {
  if (message.type === 'close') {
    pool.close().finally(() => parentPort.close());
    return;
  }
  run(message.requests, message.concurrency).then(
    (result) => parentPort.postMessage(result, [result.latencies.buffer, result.statuses.buffer]),
    (error) => parentPort.postMessage({ error: String(error?.stack ?? error) }),
  );
});
