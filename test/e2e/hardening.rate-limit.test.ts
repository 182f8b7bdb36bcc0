/**
 * Rate limits per API key and per operation, against the real gateway: RATE_LIMITED (HTTP 429 with
 * Retry-After, and a retryAfterSeconds hint) before any resolver runs; initiatePayment and refund
 * stricter than the rest; one token per top-level field so aliases cannot dodge it; keys apart;
 * a client key counted per buyer address (and X-Forwarded-For ignored without TRUSTED_PROXIES);
 * subscriptions over WebSocket counted too. Limits shared through Redis: rate-limit.redis.test.ts.
 */
import { Agent, request } from 'undici';
import { ADMIN_KEY, CLIENT_KEY, SERVER_KEY, startGateway, upstreamRequests, type TestGateway } from '../support/gateway';
import { INITIATE, REFUND, orderInput } from '../support/operations';
import { completed } from '../support/payments';
import { subscribe } from '../support/subscriptions';

const OTHER_CLIENT_KEY = 'test-other-client-key-0123456789';

async function post(gateway: TestGateway, query: string, variables: Record<string, unknown>, key: string, options: { dispatcher?: Agent; forwardedFor?: string } = {}) {
  const response = await request(`${gateway.app.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, ...(options.forwardedFor ? { 'x-forwarded-for': options.forwardedFor } : {}) },
    body: JSON.stringify({ query, variables }),
    ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
  });
  return { status: response.statusCode, retryAfter: response.headers['retry-after'], body: (await response.body.json()) as any };
}

const aliased = (count: number) =>
  `mutation ($input: InitiatePaymentInput!) { ${Array.from({ length: count }, (_, i) => `a${i}: initiatePayment(input: $input) { payment { pidx } userErrors { code } }`).join(' ')} }`;

async function waitUntil(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function expectRateLimited(result: Awaited<ReturnType<typeof post>>, message: RegExp) {
  expect(result.status).toBe(429);
  expect(result.body.data).toBeUndefined();
  const [error] = result.body.errors;
  expect(error.extensions).toEqual({ code: 'RATE_LIMITED', retryAfterSeconds: expect.any(Number) });
  expect(error.extensions.retryAfterSeconds).toBeGreaterThanOrEqual(1);
  expect(error.extensions.retryAfterSeconds).toBeLessThanOrEqual(60);
  expect(Number(result.retryAfter)).toBe(error.extensions.retryAfterSeconds);
  expect(error.message).toMatch(message);
}

describe('hardening: rate limits', () => {
  describe('initiatePayment (stricter), per key, per top-level field', () => {
    let gateway: TestGateway;
    beforeAll(async () => {
      gateway = await startGateway({ RATE_LIMIT_INITIATE_PER_MINUTE: '3', GATEWAY_CLIENT_KEYS: `${CLIENT_KEY},${OTHER_CLIENT_KEY}` });
    });
    afterAll(() => gateway.close());

    it('refuses the initiate over the limit without running it, while other operations go on', async () => {
      // A request refused by the query limits takes no tokens.
      const tooMany = await post(gateway, aliased(500), { input: orderInput() }, CLIENT_KEY);
      expect(tooMany.status).toBe(400);

      for (let i = 0; i < 3; i += 1) {
        const ok = await post(gateway, INITIATE, { input: orderInput() }, CLIENT_KEY);
        expect(ok.body.data.initiatePayment.payment.pidx).toBeTruthy();
      }
      const spy = jest.spyOn(gateway.app.services.initiate, 'initiate');
      const before = await upstreamRequests(gateway, 'initiate');
      try {
        expectRateLimited(await post(gateway, INITIATE, { input: orderInput() }, CLIENT_KEY), /^Rate limit reached for this API key: at most 3 initiatePayment a minute\. Nothing was run; retry in \d+ s\.$/);
        expect(spy).not.toHaveBeenCalled();
      } finally {
        spy.mockRestore();
      }
      expect(await upstreamRequests(gateway, 'initiate')).toBe(before);
      // The general allowance is separate and generous.
      const read = await post(gateway, '{ checkoutConfig { environment } }', {}, CLIENT_KEY);
      expect(read.body.data.checkoutConfig.environment).toBe('embedded');
    });

    it('keeps keys apart', async () => {
      const other = await post(gateway, INITIATE, { input: orderInput() }, OTHER_CLIENT_KEY);
      expect(other.body.data.initiatePayment.payment.pidx).toBeTruthy();
    });

    it('counts every aliased initiatePayment, and refuses all of them at once or none', async () => {
      // OTHER_CLIENT_KEY has 2 left: 3 aliased initiates are refused whole...
      const spy = jest.spyOn(gateway.app.services.initiate, 'initiate');
      try {
        const refused = await post(gateway, aliased(3), { input: orderInput() }, OTHER_CLIENT_KEY);
        expectRateLimited(refused, /initiatePayment/);
        expect(spy).not.toHaveBeenCalled();
        // ...and more than the bucket ever holds says so.
        const never = await post(gateway, aliased(4), { input: orderInput() }, ADMIN_KEY);
        expectRateLimited(never, /^This operation alone exceeds the rate limit for this API key \(at most 3 initiatePayment a minute\)/);
        expect(spy).not.toHaveBeenCalled();
      } finally {
        spy.mockRestore();
      }
      // ...and took nothing: 2 aliased initiates still pass.
      const two = await post(gateway, aliased(2), { input: orderInput() }, OTHER_CLIENT_KEY);
      expect(two.status).toBe(200);
      expect(two.body.data.a0.payment.pidx).toBeTruthy();
      expect(two.body.data.a1.payment.pidx).toBe(two.body.data.a0.payment.pidx); // same input, same payment
    });
  });

  describe('refund (stricter still)', () => {
    let gateway: TestGateway;
    beforeAll(async () => {
      gateway = await startGateway({ RATE_LIMIT_REFUND_PER_MINUTE: '2' });
    });
    afterAll(() => gateway.close());

    it('refuses the refund over the limit without recording or sending it', async () => {
      const { pidx } = await completed(gateway);
      for (let i = 0; i < 2; i += 1) {
        const ok = await post(gateway, REFUND, { input: { pidx, amount: 100 } }, ADMIN_KEY);
        expect(ok.body.data.refund.refund.state).toBe('SUCCEEDED');
      }
      const spy = jest.spyOn(gateway.app.services.refunds, 'refund');
      const before = await upstreamRequests(gateway, 'refund');
      try {
        expectRateLimited(await post(gateway, REFUND, { input: { pidx, amount: 100 } }, ADMIN_KEY), /at most 2 refund a minute/);
        expect(spy).not.toHaveBeenCalled();
      } finally {
        spy.mockRestore();
      }
      expect(await upstreamRequests(gateway, 'refund')).toBe(before);
      const payment = await post(gateway, 'query ($pidx: ID!) { payment(pidx: $pidx) { refundedAmount refunds { id } } }', { pidx }, ADMIN_KEY);
      expect(payment.body.data.payment).toMatchObject({ refundedAmount: 200, refunds: [{}, {}] });
    });
  });

  describe('everything else, HTTP and WebSocket alike', () => {
    let gateway: TestGateway;
    beforeAll(async () => {
      gateway = await startGateway({ RATE_LIMIT_PER_MINUTE: '5', GATEWAY_CLIENT_KEYS: `${CLIENT_KEY},${OTHER_CLIENT_KEY}` });
    });
    afterAll(() => gateway.close());

    it('charges one token per top-level field, aliases included', async () => {
      const five = `{ ${Array.from({ length: 5 }, (_, i) => `c${i}: checkoutConfig { environment }`).join(' ')} }`;
      expect((await post(gateway, five, {}, CLIENT_KEY)).status).toBe(200);
      expectRateLimited(await post(gateway, '{ checkoutConfig { environment } }', {}, CLIENT_KEY), /at most 5 top-level fields a minute/);
      // __typename runs no resolver and costs nothing.
      expect((await post(gateway, '{ __typename }', {}, CLIENT_KEY)).status).toBe(200);
    });

    it('counts subscriptions over WebSocket, and answers RATE_LIMITED there too', async () => {
      const started = await post(gateway, INITIATE, { input: orderInput() }, ADMIN_KEY);
      const pidx = started.body.data.initiatePayment.payment.pidx as string;
      const spy = jest.spyOn(gateway.app.services.events, 'subscribe');
      const subscriptions = [];
      try {
        // Each with a document of its own: subscribers asking the very same thing share one
        // execution (one subscribe call), and this test counts admissions by those calls.
        const distinct = (i: number) => `subscription ($pidx: ID!) { paymentStatusChanged${i}: paymentStatusChanged(pidx: $pidx) { status } }`;
        for (let i = 1; i <= 5; i += 1) {
          subscriptions.push(subscribe(gateway.app.url, OTHER_CLIENT_KEY, distinct(i), { pidx }));
          await waitUntil(() => spy.mock.calls.length === i);
        }
        const refused = subscribe(gateway.app.url, OTHER_CLIENT_KEY, distinct(6), { pidx });
        subscriptions.push(refused);
        await expect(refused.waitFor(1)).rejects.toThrow(/Rate limit reached for this API key: at most 5 top-level fields a minute/);
        const [error] = refused.errors[0] as any[];
        expect(error.extensions).toEqual({ code: 'RATE_LIMITED', retryAfterSeconds: expect.any(Number) });
        expect(spy).toHaveBeenCalledTimes(5);

        // The five admitted subscriptions are live.
        await gateway.control('POST', `/payments/${pidx}/complete`, {});
        await post(gateway, 'mutation ($pidx: ID!) { verifyPayment(pidx: $pidx) { status } }', { pidx }, ADMIN_KEY);
        for (const [i, admitted] of subscriptions.slice(0, 5).entries()) {
          expect((await admitted.waitFor(1))[0][`paymentStatusChanged${i + 1}`].status).toBe('COMPLETED');
        }
      } finally {
        spy.mockRestore();
        await Promise.all(subscriptions.map((subscription) => subscription.dispose()));
      }
    });
  });

  describe('client keys per buyer address', () => {
    let gateway: TestGateway;
    // Linux answers on all of 127.0.0.0/8: a second buyer connects from 127.0.0.2.
    const secondBuyer = new Agent({ localAddress: '127.0.0.2' });
    beforeAll(async () => {
      gateway = await startGateway({ RATE_LIMIT_PER_MINUTE: '2' });
    });
    afterAll(async () => {
      await secondBuyer.close();
      await gateway.close();
    });
    const READ = '{ checkoutConfig { environment } }';

    it('gives each address its own bucket of a client key, whatever X-Forwarded-For claims', async () => {
      expect((await post(gateway, READ, {}, CLIENT_KEY, { forwardedFor: '198.51.100.1' })).status).toBe(200);
      expect((await post(gateway, READ, {}, CLIENT_KEY, { forwardedFor: '198.51.100.2' })).status).toBe(200);
      expectRateLimited(await post(gateway, READ, {}, CLIENT_KEY, { forwardedFor: '198.51.100.3' }), /at most 2 top-level fields a minute/);
      expect((await post(gateway, READ, {}, CLIENT_KEY, { dispatcher: secondBuyer })).status).toBe(200);
    });

    it('counts a server key per key, from any address', async () => {
      expect((await post(gateway, READ, {}, SERVER_KEY)).status).toBe(200);
      expect((await post(gateway, READ, {}, SERVER_KEY, { dispatcher: secondBuyer })).status).toBe(200);
      expectRateLimited(await post(gateway, READ, {}, SERVER_KEY, { dispatcher: secondBuyer }), /at most 2 top-level fields a minute/);
    });
  });
});
