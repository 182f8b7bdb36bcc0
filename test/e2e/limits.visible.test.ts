/**
 * Limits a client can see (issue 11 point 9), against the real gateway over HTTP and WebSocket:
 * every executed operation's response carries its estimated cost and GRAPHQL_MAX_COST in
 * `extensions.cost`; every HTTP response to an authenticated key carries RateLimit-Policy and
 * RateLimit headers (draft-ietf-httpapi-ratelimit-headers), the 429 included.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createClient } from 'graphql-ws';
import { request } from 'undici';
import WebSocket from 'ws';
import { ADMIN_KEY, CLIENT_KEY, startGateway, type TestGateway } from '../support/gateway';
import { INITIATE, STATUS_CHANGED, VERIFY, orderInput } from '../support/operations';
import { initiated } from '../support/payments';

const PAYMENTS = readFileSync(join(__dirname, '../../examples/operations/payments.graphql'), 'utf8');

async function post(gateway: TestGateway, query: string, variables: Record<string, unknown> = {}, key: string | null = CLIENT_KEY) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (key) headers.authorization = `Bearer ${key}`;
  const response = await request(`${gateway.app.url}/graphql`, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
  const header = (name: string) => response.headers[name] as string | undefined;
  return {
    status: response.statusCode,
    policy: header('ratelimit-policy'),
    rateLimit: header('ratelimit'),
    retryAfter: header('retry-after'),
    body: (await response.body.json()) as any,
  };
}

/** `"per-key";r=597;t=1, "initiate";r=2;t=20` -> { 'per-key': { r: 597, t: 1 }, initiate: { r: 2, t: 20 } } */
function items(field: string | undefined): Record<string, Record<string, number>> {
  const parsed: Record<string, Record<string, number>> = {};
  for (const item of (field ?? '').split(',').map((part) => part.trim()).filter(Boolean)) {
    const [name, ...params] = item.split(';');
    const match = /^"([a-z-]+)"$/.exec(name!);
    if (!match) throw new Error(`not a string item: ${item}`);
    parsed[match[1]!] = Object.fromEntries(params.map((param) => {
      const [key, value] = param.split('=');
      if (!/^\d+$/.test(value ?? '')) throw new Error(`not an integer parameter: ${param}`);
      return [key!, Number(value)];
    }));
  }
  return parsed;
}

describe('extensions.cost', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startGateway({ GRAPHQL_MAX_COST: '3000' });
  });
  afterAll(() => gateway.close());

  it('carries the example payments operation\'s estimated cost (786, as the README says) and the limit', async () => {
    const result = await post(gateway, PAYMENTS, {}, ADMIN_KEY);
    expect(result.status).toBe(200);
    expect(result.body.errors).toBeUndefined();
    expect(result.body.data.payments.totalCount).toEqual(expect.any(Number));
    expect(result.body.extensions).toEqual({ cost: { estimated: 786, limit: 3000 } });
  });

  it('carries a cheap query\'s own cost', async () => {
    const result = await post(gateway, '{ checkoutConfig { environment publicKey } }');
    expect(result.body.data.checkoutConfig.environment).toBe('embedded');
    expect(result.body.extensions).toEqual({ cost: { estimated: 3, limit: 3000 } });
  });

  it('gives the same figure on a refusal for cost as the message does', async () => {
    const result = await post(gateway, PAYMENTS, { first: 100 }, ADMIN_KEY);
    expect(result.status).toBe(400);
    expect(result.body.errors[0].message).toMatch(/estimated cost of 3906; the limit is 3000/);
    expect(result.body.extensions).toEqual({ cost: { estimated: 3906, limit: 3000 } });
  });

  it('is on each event of a subscription over WebSocket', async () => {
    const { pidx } = await initiated(gateway);
    const client = createClient({
      url: `${gateway.app.url.replace(/^http/, 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${CLIENT_KEY}` },
      retryAttempts: 0,
    });
    try {
      const event = new Promise<any>((resolve, reject) => {
        client.subscribe({ query: STATUS_CHANGED, variables: { pidx } }, { next: resolve, error: reject, complete: () => undefined });
      });
      await new Promise<void>((resolve) => client.on('connected', () => resolve()));
      await gateway.control('POST', `/payments/${pidx}/complete`, {});
      await post(gateway, VERIFY, { pidx });
      const message = await event;
      expect(message.data.paymentStatusChanged.status).toBe('COMPLETED');
      // paymentStatusChanged 1 + five leaves + payment 1 + its three leaves.
      expect(message.extensions).toEqual({ cost: { estimated: 10, limit: 3000 } });
    } finally {
      await client.dispose();
    }
  });
});

describe('RateLimit-Policy and RateLimit headers', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startGateway({ RATE_LIMIT_PER_MINUTE: '20', RATE_LIMIT_INITIATE_PER_MINUTE: '2' });
  });
  afterAll(() => gateway.close());

  it('states the per-key policy, and the remaining quota goes down by the number of top-level fields', async () => {
    const first = await post(gateway, '{ checkoutConfig { environment } }');
    expect(first.policy).toBe('"per-key";q=20;w=60');
    const afterOne = items(first.rateLimit)['per-key']!;
    expect(afterOne.r).toBe(19);
    expect(afterOne.t).toBeGreaterThanOrEqual(1);
    expect(afterOne.t).toBeLessThanOrEqual(60);

    const three = await post(gateway, '{ a: checkoutConfig { environment } b: checkoutConfig { environment } banks(type: EBANKING) { idx } }');
    expect(three.body.errors).toBeUndefined();
    // Refill is continuous at 20 a minute, so at most one token can have come back in between.
    expect(items(three.rateLimit)['per-key']!.r).toBeGreaterThanOrEqual(16);
    expect(items(three.rateLimit)['per-key']!.r).toBeLessThanOrEqual(17);
  });

  it('is sent on refusals that take nothing, and not to unauthenticated callers', async () => {
    const invalid = await post(gateway, '{ noSuchField }');
    expect(invalid.status).toBe(400);
    expect(invalid.policy).toBe('"per-key";q=20;w=60');
    expect(items(invalid.rateLimit)['per-key']!.r).toEqual(expect.any(Number));

    const anonymous = await post(gateway, '{ checkoutConfig { environment } }', {}, null);
    expect(anonymous.status).toBe(401);
    expect(anonymous.policy).toBeUndefined();
    expect(anonymous.rateLimit).toBeUndefined();
  });

  it('adds the initiate bucket as a policy of its own, and the 429 carries both with Retry-After', async () => {
    const ok = await post(gateway, INITIATE, { input: orderInput() }, ADMIN_KEY);
    expect(ok.body.data.initiatePayment.payment.pidx).toBeTruthy();
    expect(ok.policy).toBe('"per-key";q=20;w=60, "initiate";q=2;w=60');
    expect(items(ok.rateLimit).initiate!.r).toBe(1);

    await post(gateway, INITIATE, { input: orderInput() }, ADMIN_KEY);
    const refused = await post(gateway, INITIATE, { input: orderInput() }, ADMIN_KEY);
    expect(refused.status).toBe(429);
    expect(refused.body.errors[0].extensions.code).toBe('RATE_LIMITED');
    expect(Number(refused.retryAfter)).toBe(refused.body.errors[0].extensions.retryAfterSeconds);
    expect(refused.policy).toBe('"per-key";q=20;w=60, "initiate";q=2;w=60');
    const state = items(refused.rateLimit);
    expect(state.initiate!.r).toBe(0);
    expect(state.initiate!.t).toBeGreaterThanOrEqual(Number(refused.retryAfter));
    expect(state['per-key']!.r).toEqual(expect.any(Number));
  });
});

describe('RATE_LIMIT_PER_MINUTE=0', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startGateway({ RATE_LIMIT_PER_MINUTE: '0' });
  });
  afterAll(() => gateway.close());

  it('sends no rate-limit headers', async () => {
    const result = await post(gateway, '{ checkoutConfig { environment } }');
    expect(result.body.data.checkoutConfig.environment).toBe('embedded');
    expect(result.policy).toBeUndefined();
    expect(result.rateLimit).toBeUndefined();
  });
});
