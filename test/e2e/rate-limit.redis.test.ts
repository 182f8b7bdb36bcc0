/**
 * Rate limits across instances, against real gateways and a real Redis (REDIS_URL): two gateways
 * draw on one budget; a gateway whose Redis goes away keeps limiting on its own, says so once
 * (log line, gateway_rate_limit_fallback, /readyz) and goes back when Redis returns; one client
 * key is counted per buyer address; X-Forwarded-For counts only from a TRUSTED_PROXIES peer.
 *
 * The machine's Redis is shared: this run writes under a prefix of its own and deletes it. The
 * Redis that goes away is a throwaway redis-server of this test's own.
 */
import { Agent, request } from 'undici';
import { ADMIN_KEY, CLIENT_KEY, SERVER_KEY, startGateway, type TestGateway } from '../support/gateway';
import { scrape } from '../support/metrics';
import { deleteKeys, ownRedis, runPrefix, SHARED_REDIS_URL, type OwnRedis } from '../integration/rate-limit/redis-servers';

const READ = '{ checkoutConfig { environment } }';
const prefix = runPrefix('e2e');
// Linux answers on all of 127.0.0.0/8: a second "buyer" connects from 127.0.0.2.
const fromSecondAddress = new Agent({ localAddress: '127.0.0.2' });

interface Sent {
  status: number;
  retryAfter?: string;
  policy?: string;
  limit?: string;
  body: any;
}

async function post(gateway: TestGateway, query: string, key: string, options: { forwardedFor?: string; dispatcher?: Agent } = {}): Promise<Sent> {
  const headers: Record<string, string> = { 'content-type': 'application/json', authorization: `Bearer ${key}` };
  if (options.forwardedFor) headers['x-forwarded-for'] = options.forwardedFor;
  const response = await request(`${gateway.app.url}/graphql`, { method: 'POST', headers, body: JSON.stringify({ query }), ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}) });
  const header = (name: string) => response.headers[name] as string | undefined;
  return { status: response.statusCode, retryAfter: header('retry-after'), policy: header('ratelimit-policy'), limit: header('ratelimit'), body: await response.body.json() };
}

async function readyz(gateway: TestGateway): Promise<{ status: number; body: any }> {
  const response = await request(`${gateway.app.url}/readyz`);
  return { status: response.statusCode, body: await response.body.json() };
}

async function eventually(condition: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; !(await condition()); i += 1) {
    if (i > 1000) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function expectRefused(sent: Sent) {
  expect(sent.status).toBe(429);
  expect(sent.body.errors[0].extensions.code).toBe('RATE_LIMITED');
  expect(Number(sent.retryAfter)).toBe(sent.body.errors[0].extensions.retryAfterSeconds);
  expect(Number(sent.retryAfter)).toBeGreaterThanOrEqual(1);
}

afterAll(async () => {
  await fromSecondAddress.close();
  await deleteKeys(SHARED_REDIS_URL, prefix);
});

describe('rate limits in Redis', () => {
  describe('two gateways on one Redis', () => {
    let one: TestGateway;
    let two: TestGateway;
    beforeAll(async () => {
      const env = { REDIS_URL: SHARED_REDIS_URL, REDIS_KEY_PREFIX: prefix, RATE_LIMIT_PER_MINUTE: '4' };
      [one, two] = await Promise.all([startGateway(env), startGateway(env)]);
    });
    afterAll(() => Promise.all([one.close(), two.close()]));

    it('share one budget per key, with the headers and Retry-After of the shared bucket', async () => {
      expect((await post(one, READ, ADMIN_KEY)).status).toBe(200);
      expect((await post(two, READ, ADMIN_KEY)).status).toBe(200);
      const third = await post(one, READ, ADMIN_KEY);
      expect(third.policy).toBe('"per-key";q=4;w=60');
      expect(third.limit).toMatch(/^"per-key";r=1;t=\d+$/);
      expect((await post(two, READ, ADMIN_KEY)).limit).toMatch(/^"per-key";r=0;t=\d+$/);
      // Each gateway alone would still have 2 left; together the key has none.
      expectRefused(await post(one, READ, ADMIN_KEY));
      const refused = await post(two, READ, ADMIN_KEY);
      expectRefused(refused);
      expect(refused.body.errors[0].message).toMatch(/at most 4 top-level fields a minute/);
      expect(refused.limit).toMatch(/^"per-key";r=0;t=\d+$/);
      expect((await readyz(one)).body).toEqual({ status: 'ready', redis: 'ok' });
    });

    it('count one client key per buyer address, and a server key per key', async () => {
      for (const gateway of [one, two]) expect((await post(gateway, READ, CLIENT_KEY)).status).toBe(200);
      expect((await post(one, `{ a: checkoutConfig { environment } b: checkoutConfig { environment } }`, CLIENT_KEY)).status).toBe(200);
      expectRefused(await post(two, READ, CLIENT_KEY));
      // Another buyer with the same app (same client key) is not locked out.
      const other = await post(one, READ, CLIENT_KEY, { dispatcher: fromSecondAddress });
      expect(other.status).toBe(200);
      expect(other.limit).toMatch(/^"per-key";r=3;t=\d+$/);

      for (let i = 0; i < 4; i += 1) expect((await post(i % 2 ? one : two, READ, SERVER_KEY)).status).toBe(200);
      expectRefused(await post(one, READ, SERVER_KEY, { dispatcher: fromSecondAddress }));
    });

    it('ignore X-Forwarded-For without TRUSTED_PROXIES', async () => {
      const sameBuyer = await Promise.all([1, 2, 3, 4].map((i) => post(one, READ, CLIENT_KEY, { dispatcher: fromSecondAddress, forwardedFor: `198.51.100.${i}` })));
      // 127.0.0.2 had 3 left: the fourth request is refused whatever "address" it claimed.
      expect(sameBuyer.map((sent) => sent.status).sort()).toEqual([200, 200, 200, 429]);
    });
  });

  describe('behind a trusted proxy', () => {
    let gateway: TestGateway;
    beforeAll(async () => {
      gateway = await startGateway({
        REDIS_URL: SHARED_REDIS_URL,
        REDIS_KEY_PREFIX: `${prefix}proxy:`,
        RATE_LIMIT_PER_MINUTE: '1',
        RATE_LIMIT_RETURN_PER_MINUTE: '1',
        TRUSTED_PROXIES: '127.0.0.1',
      });
    });
    afterAll(() => gateway.close());

    it('counts the address X-Forwarded-For gives when the peer is the proxy, and only then', async () => {
      expect((await post(gateway, READ, CLIENT_KEY, { forwardedFor: '198.51.100.1' })).status).toBe(200);
      expectRefused(await post(gateway, READ, CLIENT_KEY, { forwardedFor: '198.51.100.1' }));
      // Another buyer behind the same proxy; a client-written entry further left changes nothing.
      expect((await post(gateway, READ, CLIENT_KEY, { forwardedFor: '198.51.100.2' })).status).toBe(200);
      expectRefused(await post(gateway, READ, CLIENT_KEY, { forwardedFor: '203.0.113.50, 198.51.100.2' }));
      // 127.0.0.2 is no proxy of ours: what it claims is ignored.
      expect((await post(gateway, READ, CLIENT_KEY, { dispatcher: fromSecondAddress, forwardedFor: '198.51.100.3' })).status).toBe(200);
      expectRefused(await post(gateway, READ, CLIENT_KEY, { dispatcher: fromSecondAddress, forwardedFor: '198.51.100.4' }));
    });

    it('applies the same address rule to GET /khalti/return', async () => {
      const back = async (forwardedFor: string, dispatcher?: Agent) => {
        const response = await request(`${gateway.app.url}/khalti/return?pidx=nope`, { headers: { 'x-forwarded-for': forwardedFor }, ...(dispatcher ? { dispatcher } : {}) });
        await response.body.dump();
        return response.statusCode;
      };
      expect(await back('198.51.100.1')).toBe(404);
      expect(await back('198.51.100.1')).toBe(429);
      expect(await back('198.51.100.2')).toBe(404);
      expect(await back('198.51.100.3', fromSecondAddress)).toBe(404);
      expect(await back('198.51.100.4', fromSecondAddress)).toBe(429);
    });
  });

  describe('when Redis goes away', () => {
    let redis: OwnRedis;
    let gateway: TestGateway;
    beforeAll(async () => {
      redis = await ownRedis();
      gateway = await startGateway({ REDIS_URL: redis.url, REDIS_KEY_PREFIX: prefix, RATE_LIMIT_PER_MINUTE: '3' });
    });
    afterAll(async () => {
      await gateway.close();
      redis.stop();
    });

    const fallbackLines = () => gateway.logs.filter((line) => line.startsWith('rate limits: Redis unreachable'));
    const backLines = () => gateway.logs.filter((line) => line.startsWith('rate limits: Redis reachable again'));
    const fallbackGauge = async () => (await scrape(gateway.app.url)).value('gateway_rate_limit_fallback');

    it('limits in the process, says so once, and goes back to Redis when it returns', async () => {
      expect((await post(gateway, READ, ADMIN_KEY)).status).toBe(200);
      expect(await fallbackGauge()).toBe(0);
      expect(fallbackLines()).toEqual([]);

      redis.stop();
      await eventually(() => fallbackLines().length > 0, 'the fallback log line');
      expect(await fallbackGauge()).toBe(1);
      // Still limited, now by this process alone (a fresh bucket of 3).
      const during = [];
      for (let i = 0; i < 5; i += 1) during.push(await post(gateway, READ, ADMIN_KEY));
      expect(during.map((sent) => sent.status)).toEqual([200, 200, 200, 429, 429]);
      expectRefused(during[4]!);
      expect(during[4]!.limit).toMatch(/^"per-key";r=0;t=\d+$/);
      // Ready (it still limits), and saying why the limits are per instance now.
      const ready = await readyz(gateway);
      expect(ready).toMatchObject({ status: 200, body: { status: 'ready', redis: 'unreachable' } });
      expect(fallbackLines()).toHaveLength(1);
      expect(gateway.logs.join('\n')).not.toContain(redis.url);

      await redis.start();
      await eventually(() => backLines().length > 0, 'the log line saying Redis is back');
      expect(await fallbackGauge()).toBe(0);
      expect((await scrape(gateway.app.url)).value('gateway_rate_limit_fallbacks_total')).toBe(1);
      expect((await readyz(gateway)).body).toEqual({ status: 'ready', redis: 'ok' });
      // Counted in Redis again: the restarted server kept nothing, so the key has its 3.
      const after = [];
      for (let i = 0; i < 4; i += 1) after.push((await post(gateway, READ, ADMIN_KEY)).status);
      expect(after).toEqual([200, 200, 200, 429]);
      expect(fallbackLines()).toHaveLength(1);
      expect(backLines()).toHaveLength(1);
    });
  });
});
