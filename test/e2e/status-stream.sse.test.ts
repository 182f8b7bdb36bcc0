/**
 * Subscriptions as server-sent events at /graphql/stream (graphql-sse, distinct connections mode),
 * through graphql-sse's own client and raw HTTP: the same keys, limits, events and resumption as
 * the WebSocket, queries refused, CORS like /graphql, one connection budget with the WebSocket,
 * and streams that do not hold a graceful shutdown open.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { request } from 'undici';
import { ADMIN_KEY, CLIENT_KEY, startGateway, type TestGateway } from '../support/gateway';
import { scrape } from '../support/metrics';
import { STATUS_CHANGED_AFTER } from '../support/operations';
import { changesOf, move, MOVES, newPayment, settle } from '../support/status-moves';
import { stream } from '../support/sse';
import { connected, subscribe } from '../support/subscriptions';
import { until } from '../support/until';

const STREAM = '/graphql/stream';

async function post(gateway: TestGateway, body: unknown, headers: Record<string, string> = {}) {
  const response = await request(`${gateway.app.url}${STREAM}`, {
    method: 'POST',
    headers: { accept: 'text/event-stream', 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  const contentType = String(response.headers['content-type'] ?? '');
  // A refusal is a short JSON body; a stream is read no further.
  const text = contentType.startsWith('text/event-stream') ? '' : await response.body.text();
  if (contentType.startsWith('text/event-stream')) response.body.on('error', () => undefined).destroy();
  return { status: response.statusCode, headers: response.headers, contentType, json: text ? JSON.parse(text) : null };
}

describe('subscriptions over /graphql/stream (graphql-sse)', () => {
  let gateway: TestGateway;

  beforeAll(async () => {
    gateway = await startGateway({ CORS_ORIGINS: 'https://shop.example.com' });
  });
  afterAll(async () => {
    await gateway?.close();
  });

  const openStreams = async () => (await scrape(gateway.app.url)).value('gateway_event_streams_open');
  const active = async () => (await scrape(gateway.app.url)).value('gateway_subscriptions_active');

  it('delivers live changes, and resumes from a cursor: the changes missed, in order, exactly once, then live ones', async () => {
    const pidx = await newPayment(gateway);
    const before = await active();
    const live = stream(gateway.app.url, CLIENT_KEY, STATUS_CHANGED_AFTER, { pidx });
    await until('the stream to be open and subscribed', async () => (await openStreams()) === 1 && (await active()) > before);
    await move(gateway, pidx, 1);
    const [first] = await live.waitFor(1);
    expect(changesOf([first])).toEqual([MOVES[0]]);
    live.dispose();
    await until('the stream to be closed and its subscription ended', async () => (await openStreams()) === 0 && (await active()) === before);

    await move(gateway, pidx, 2);
    await move(gateway, pidx, 3);
    const resumed = stream(gateway.app.url, CLIENT_KEY, STATUS_CHANGED_AFTER, { pidx, after: first.paymentStatusChanged.cursor });
    expect(changesOf(await resumed.waitFor(2))).toEqual([MOVES[1], MOVES[2]]);
    await move(gateway, pidx, 4);
    await resumed.waitFor(3);
    await settle();
    expect(changesOf(resumed.events)).toEqual([MOVES[1], MOVES[2], MOVES[3]]);
    expect(resumed.errors).toEqual([]);

    // The same cursors as over the WebSocket.
    const overSocket = subscribe(gateway.app.url, CLIENT_KEY, STATUS_CHANGED_AFTER, { pidx, after: first.paymentStatusChanged.cursor });
    await overSocket.waitFor(3);
    expect(overSocket.events.map((event) => event.paymentStatusChanged.cursor)).toEqual(resumed.events.map((event) => event.paymentStatusChanged.cursor));
    await overSocket.dispose();
    resumed.dispose();
  });

  it('answers 401 without a key or with an unknown one, and nothing runs', async () => {
    const pidx = await newPayment(gateway);
    for (const headers of [{}, { authorization: "Bearer not-a-key" }] as Record<string, string>[]) {
      const response = await post(gateway, { query: STATUS_CHANGED_AFTER, variables: { pidx } }, headers);
      expect(response.status).toBe(401);
      expect(response.headers['www-authenticate']).toBe('Bearer');
      expect(response.json.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    }
    const refused = stream(gateway.app.url, null, STATUS_CHANGED_AFTER, { pidx });
    await refused.ended();
    expect(JSON.stringify(refused.errors)).toMatch(/401|UNAUTHENTICATED|API key/);
    expect(await openStreams()).toBe(0);
  });

  it('refuses a query or mutation with a 400 pointing to /graphql', async () => {
    for (const query of ['{ checkoutConfig { environment } }', 'mutation { verifyPayment(pidx: "x") { pidx } }']) {
      const response = await post(gateway, { query }, { authorization: `Bearer ${CLIENT_KEY}` });
      expect(response.status).toBe(400);
      expect(response.json.errors).toEqual([
        { message: expect.stringMatching(/^\/graphql\/stream carries subscriptions only; send this (query|mutation) over HTTP POST to \/graphql\./), extensions: { code: 'BAD_USER_INPUT' } },
      ]);
    }
  });

  it('applies the same limits and errors as the WebSocket: bad input, query limits, FORBIDDEN fields', async () => {
    const pidx = await newPayment(gateway);
    // A bad cursor is found when the subscription starts, as over the WebSocket: the stream carries the error and completes.
    const refused = stream(gateway.app.url, CLIENT_KEY, STATUS_CHANGED_AFTER, { pidx, after: 'nope' });
    await refused.ended();
    expect(refused.errors).toEqual([[expect.objectContaining({ message: expect.stringMatching(/^after: /), extensions: { code: 'BAD_USER_INPUT' } })]]);
    await until('the stream to complete', () => refused.completed);

    const aliases = Array.from({ length: 20 }, (_, i) => `a${i}: __typename`).join(' ');
    const tooWide = await post(gateway, { query: `subscription ($pidx: ID!) { paymentStatusChanged(pidx: $pidx) { ${aliases} } }`, variables: { pidx } }, { authorization: `Bearer ${CLIENT_KEY}` });
    expect(tooWide.status).toBe(400);
    expect(tooWide.json.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(tooWide.json.errors[0].message).toMatch(/alias/i);

    const before = await active();
    const forbidden = stream(gateway.app.url, CLIENT_KEY, 'subscription ($pidx: ID!) { paymentStatusChanged(pidx: $pidx) { status payment { refunds { id } } } }', { pidx });
    const allowed = stream(gateway.app.url, ADMIN_KEY, 'subscription ($pidx: ID!) { paymentStatusChanged(pidx: $pidx) { status payment { refunds { id } } } }', { pidx });
    await until('both subscriptions to be active', async () => (await active()) >= before + 2);
    await move(gateway, pidx, 1);
    await until('the client key to get its error', () => forbidden.errors.length > 0);
    expect(JSON.stringify(forbidden.errors)).toContain('FORBIDDEN');
    expect(await allowed.waitFor(1)).toEqual([{ paymentStatusChanged: { status: 'PENDING', payment: { refunds: [] } } }]);
    forbidden.dispose();
    allowed.dispose();
  });

  it('answers a CORS preflight from an allowed origin as /graphql does, and not another', async () => {
    const preflight = async (origin: string) => {
      const response = await request(`${gateway.app.url}${STREAM}`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
      });
      await response.body.dump();
      return response;
    };
    const allowed = await preflight('https://shop.example.com');
    expect(allowed.statusCode).toBe(204);
    expect(allowed.headers['access-control-allow-origin']).toBe('https://shop.example.com');
    expect(String(allowed.headers['access-control-allow-headers'])).toContain('authorization');
    const other = await preflight('https://evil.example.net');
    expect(other.headers['access-control-allow-origin']).toBeUndefined();

    const pidx = await newPayment(gateway);
    const response = await post(gateway, { query: STATUS_CHANGED_AFTER, variables: { pidx } }, { authorization: `Bearer ${CLIENT_KEY}`, origin: 'https://shop.example.com' });
    expect(response.status).toBe(200);
    expect(response.contentType).toMatch(/^text\/event-stream/);
    expect(response.headers['access-control-allow-origin']).toBe('https://shop.example.com');
  });

  it('names /graphql/stream when a subscription is POSTed to /graphql', async () => {
    const result = await gateway.gql(STATUS_CHANGED_AFTER, { pidx: 'x' });
    expect(result.status).toBe(400);
    expect(result.errors?.[0]?.message).toMatch(/WebSocket at \/graphql .*\/graphql\/stream \(protocol graphql-sse/);
  });
});

describe('/graphql/stream: the connection budget and shutdown', () => {
  it('shares WS_MAX_CONNECTIONS with the WebSocket, and ends open streams at shutdown without waiting for the grace', async () => {
    const gateway = await startGateway({ WS_MAX_CONNECTIONS: '1', SHUTDOWN_GRACE_MS: '20000' });
    let closed = false;
    try {
      const pidx = await newPayment(gateway);
      const open = stream(gateway.app.url, CLIENT_KEY, STATUS_CHANGED_AFTER, { pidx });
      await until('the stream to be open', async () => (await scrape(gateway.app.url)).value('gateway_event_streams_open') === 1);
      // The budget is spent: a second stream is a 503, and so is a WebSocket refused.
      const second = await post(gateway, { query: STATUS_CHANGED_AFTER, variables: { pidx } }, { authorization: `Bearer ${CLIENT_KEY}` });
      expect(second.status).toBe(503);
      expect(second.headers['retry-after']).toBe('5');
      const socket = subscribe(gateway.app.url, CLIENT_KEY, STATUS_CHANGED_AFTER, { pidx });
      await expect(connected(socket.client)).rejects.toThrow(/socket closed: 1013/);
      await socket.dispose();

      const started = Date.now();
      await gateway.app.close();
      closed = true;
      expect(Date.now() - started).toBeLessThan(5000);
      await open.ended();
      open.dispose();
    } finally {
      if (!closed) await gateway.app.close();
      await gateway.close().catch(() => undefined);
    }
  });
});

describe('/graphql/stream with TRUSTED_DOCUMENTS', () => {
  const MANIFEST = resolve(__dirname, '../../examples/generated/persisted-documents.json');
  const manifest = JSON.parse(readFileSync(MANIFEST, 'utf8')) as Record<string, string>;
  let gateway: TestGateway;

  beforeAll(async () => {
    gateway = await startGateway({ TRUSTED_DOCUMENTS: MANIFEST });
  });
  afterAll(async () => {
    await gateway?.close();
  });

  it("refuses a client key's untrusted text with 400, and runs a trusted document named by hash", async () => {
    const pidx = await newPayment(gateway);
    const refused = await post(gateway, { query: STATUS_CHANGED_AFTER, variables: { pidx } }, { authorization: `Bearer ${CLIENT_KEY}` });
    expect(refused.status).toBe(400);
    expect(refused.json.errors[0].message).toMatch(/^Client keys may run only the trusted documents/);

    const hash = Object.entries(manifest).find(([, text]) => text.startsWith('subscription PaymentStatusChanged'))![0];
    const byHash = await post(gateway, { query: '', variables: { pidx }, extensions: { persistedQuery: { version: 1, sha256Hash: hash } } }, { authorization: `Bearer ${CLIENT_KEY}` });
    expect(byHash.status).toBe(200);
    expect(byHash.contentType).toMatch(/^text\/event-stream/);
  });
});

describe('/graphql/stream and the rate limits', () => {
  let gateway: TestGateway;

  beforeAll(async () => {
    gateway = await startGateway({ RATE_LIMIT_PER_MINUTE: '2' });
  });
  afterAll(async () => {
    await gateway?.close();
  });

  it("draws on the key's bucket like any operation: past it, 429 with Retry-After and RATE_LIMITED, and no stream", async () => {
    const pidx = await newPayment(gateway);
    const auth = { authorization: `Bearer ${CLIENT_KEY}` };
    for (let i = 0; i < 2; i += 1) expect((await post(gateway, { query: STATUS_CHANGED_AFTER, variables: { pidx } }, auth)).status).toBe(200);
    const limited = await post(gateway, { query: STATUS_CHANGED_AFTER, variables: { pidx } }, auth);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.json.errors[0].extensions).toEqual({ code: 'RATE_LIMITED', retryAfterSeconds: expect.any(Number) });
    expect(limited.headers.ratelimit).toBeDefined();
  });
});
