// Load generator for bench/run.ts, run in a worker thread so that building requests and reading
// responses does not share the event loop of the servers under test. Plain JavaScript on purpose:
// it needs no TypeScript loader, whichever way run.ts itself is run.
//
// Messages in (every one but close carries an id, echoed in its answer, so runs may overlap):
//   { type: 'run', id, origin, requests: [{ method, path, body?, key? }], concurrency,
//     durationMs?, cycle? }
//       Closed loop: `concurrency` lanes, each sending its next request when the last answered.
//       Without durationMs every request is sent once. With durationMs the lanes stop starting
//       requests after that long (cycle: true reuses the list round-robin until then).
//   { type: 'paced', id, origin, requests, intervalMs, durationMs }
//       Open loop: one request every intervalMs for durationMs, whatever the answers do, on a
//       pool of its own (so a slow answer delays no later sample), cycling through `requests`.
//   { type: 'close' }
// Messages out: { id, latencies: Float64Array, statuses: Int32Array, startedAt: Float64Array,
//                 bodies: string[], elapsedMs }  or  { id, error }
// startedAt is wall-clock milliseconds (performance.timeOrigin + performance.now()), comparable
// with Date.now() in other processes.
import { parentPort, workerData } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';

const pools = new Map();

/** One keep-alive pool per origin (closed loop), another per origin for paced sampling. */
function poolFor(origin, paced) {
  const key = `${paced ? 'paced' : 'loop'} ${origin}`;
  let pool = pools.get(key);
  if (!pool) {
    pool = new Pool(origin, {
      connections: paced ? workerData.pacedConnections : workerData.connections,
      pipelining: 1,
      // Bounded: a stuck request fails the run instead of hanging it.
      headersTimeout: workerData.timeoutMs,
      bodyTimeout: workerData.timeoutMs,
    });
    pools.set(key, pool);
  }
  return pool;
}

const wallNow = () => performance.timeOrigin + performance.now();

async function sendOne(pool, r) {
  const headers = {};
  if (r.body !== undefined) headers['content-type'] = 'application/json';
  if (r.key) headers.authorization = `Bearer ${r.key}`;
  const startedAt = wallNow();
  const started = performance.now();
  try {
    const response = await pool.request({ method: r.method, path: r.path, headers, body: r.body });
    const text = await response.body.text();
    return { latency: performance.now() - started, status: response.statusCode, body: text, startedAt };
  } catch (error) {
    return { latency: performance.now() - started, status: 0, body: `${error?.name ?? 'Error'}: ${error?.message ?? String(error)}`, startedAt };
  }
}

function pack(results, elapsedMs) {
  const n = results.length;
  const latencies = new Float64Array(n);
  const statuses = new Int32Array(n);
  const startedAt = new Float64Array(n);
  const bodies = new Array(n);
  for (let i = 0; i < n; i++) {
    const r = results[i];
    latencies[i] = r.latency;
    statuses[i] = r.status;
    startedAt[i] = r.startedAt;
    bodies[i] = r.body;
  }
  return { latencies, statuses, startedAt, bodies, elapsedMs };
}

async function run({ origin, requests, concurrency, durationMs, cycle }) {
  const pool = poolFor(origin, false);
  const n = requests.length;
  const results = [];
  let next = 0;
  const started = performance.now();
  const stopAt = durationMs === undefined ? Infinity : started + durationMs;

  const lane = async () => {
    for (;;) {
      if (performance.now() >= stopAt) return;
      const i = next++;
      if (i >= n && !cycle) return;
      const result = await sendOne(pool, requests[i % n]);
      results[i] = result;
    }
  };

  await Promise.all(Array.from({ length: cycle || durationMs !== undefined ? concurrency : Math.min(concurrency, n) }, lane));
  const elapsedMs = performance.now() - started;
  // Lanes stopped by the clock leave no holes: indexes are handed out in order and each is awaited.
  return pack(results.filter((r) => r !== undefined), elapsedMs);
}

async function paced({ origin, requests, intervalMs, durationMs }) {
  const pool = poolFor(origin, true);
  const count = Math.max(1, Math.floor(durationMs / intervalMs));
  const started = performance.now();
  const pending = [];
  for (let i = 0; i < count; i++) {
    const due = started + i * intervalMs;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    pending.push(sendOne(pool, requests[i % requests.length]));
  }
  const results = await Promise.all(pending);
  return pack(results, performance.now() - started);
}

parentPort.on('message', (message) => {
  if (message.type === 'close') {
    Promise.allSettled([...pools.values()].map((pool) => pool.close())).finally(() => parentPort.close());
    return;
  }
  const work = message.type === 'paced' ? paced(message) : run(message);
  work.then(
    (result) => parentPort.postMessage({ id: message.id, ...result }, [result.latencies.buffer, result.statuses.buffer, result.startedAt.buffer]),
    (error) => parentPort.postMessage({ id: message.id, error: String(error?.stack ?? error) }),
  );
});
