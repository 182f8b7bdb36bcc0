/**
 * Hardening of the HTTP surface, against the real gateway over loopback: query limits (tokens,
 * depth, aliases, top-level fields, cost) refuse before any resolver runs; batching is off; CSRF
 * prevention is on; the body is size-limited; the HTML routes carry security headers; and
 * /khalti/return only ever redirects to the returnUrl stored for the payment.
 *
 * "No resolver ran" is proven by counting calls into every service a resolver can reach, and the
 * requests the embedded Khalti emulator received.
 */
import { request } from 'undici';
import { merchantReturnUrl } from '../../src/http/return.route';
import { get, onLoopback } from '../support/buyer';
import { ADMIN_KEY, CLIENT_KEY, startGateway, upstreamRequests, type TestGateway } from '../support/gateway';
import { orderInput } from '../support/operations';
import { initiated, paymentCount } from '../support/payments';
import { watchResolvers } from '../support/resolver-spies';

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: any;
}

async function raw(gateway: TestGateway, path: string, init: { method?: 'GET' | 'POST'; headers?: Record<string, string>; body?: string } = {}): Promise<RawResponse> {
  const response = await request(`${gateway.app.url}${path}`, { method: init.method ?? 'GET', headers: init.headers, body: init.body });
  const text = await response.body.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.statusCode, headers: response.headers, text, json };
}

const post = (gateway: TestGateway, body: unknown, key: string | null = CLIENT_KEY, headers: Record<string, string> = {}) =>
  raw(gateway, '/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}), ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

const aliasedInitiates = (count: number) =>
  `mutation ($input: InitiatePaymentInput!) { ${Array.from({ length: count }, (_, i) => `a${i}: initiatePayment(input: $input) { paymentUrl }`).join(' ')} }`;

const HEAVY = /* GraphQL */ `
  query Heavy($first: Int) {
    payments(first: $first) {
      edges { node { pidx auditLog { id at kind operation pidx actor httpStatus durationMs detail } refunds { id amount mobile state detail createdAt } } }
    }
  }
`;

describe('hardening: HTTP', () => {
  let gateway: TestGateway;
  /** Tokens effectively unlimited, so the alias and top-level-field limits are what refuse. */
  let loose: TestGateway;
  /** A depth limit of 3, so a valid query of this schema can exceed it. */
  let tight: TestGateway;
  beforeAll(async () => {
    [gateway, loose, tight] = await Promise.all([
      startGateway(),
      startGateway({ GRAPHQL_MAX_TOKENS: '1000000' }),
      startGateway({ GRAPHQL_MAX_DEPTH: '3' }),
    ]);
  });
  afterAll(() => Promise.all([gateway.close(), loose.close(), tight.close()]));

  describe('query limits refuse before any resolver runs', () => {
    it('a query of 500 aliased mutations runs zero resolvers (refused on tokens by default)', async () => {
      const initiatesBefore = await upstreamRequests(gateway, 'initiate');
      const paymentsBefore = await paymentCount(gateway);
      const watch = watchResolvers(gateway);
      try {
        const response = await post(gateway, { query: aliasedInitiates(500), variables: { input: orderInput() } });
        expect(response.status).toBe(400);
        expect(response.json.errors).toEqual([{ message: 'The document has more than 2000 tokens, the limit; nothing was run.', extensions: { code: 'BAD_USER_INPUT' } }]);
        expect(response.json.data).toBeUndefined();
        expect(watch.calls()).toBe(0);
      } finally {
        watch.restore();
      }
      expect(await upstreamRequests(gateway, 'initiate')).toBe(initiatesBefore);
      expect(await paymentCount(gateway)).toBe(paymentsBefore);
    });

    it('a query of 500 aliased mutations runs zero resolvers (refused on aliases and top-level fields when tokens allow it)', async () => {
      const watch = watchResolvers(loose);
      const initiatesBefore = await upstreamRequests(loose, 'initiate');
      try {
        const response = await post(loose, { query: aliasedInitiates(500), variables: { input: orderInput() } });
        expect(response.status).toBe(400);
        expect(response.json.errors.map((error: any) => [error.extensions.code, error.message])).toEqual([
          ['BAD_USER_INPUT', 'The operation uses 500 aliases; the limit is 15.'],
          ['BAD_USER_INPUT', 'The operation selects 500 top-level fields; the limit is 10.'],
        ]);
        expect(watch.calls()).toBe(0);
      } finally {
        watch.restore();
      }
      expect(await upstreamRequests(loose, 'initiate')).toBe(initiatesBefore);
    });

    it('refuses more top-level fields than allowed, even without aliases through fragments', async () => {
      const watch = watchResolvers(gateway);
      try {
        const fields = Array.from({ length: 11 }, (_, i) => `c${i}: checkoutConfig { environment }`);
        const viaFragments = `{ ...A ...B } fragment A on Query { ${fields.slice(0, 6).join(' ')} } fragment B on Query { ${fields.slice(6).join(' ')} }`;
        const response = await post(gateway, { query: viaFragments });
        expect(response.status).toBe(400);
        expect(response.json.errors).toEqual([{ message: 'The operation selects 11 top-level fields; the limit is 10.', extensions: { code: 'BAD_USER_INPUT' } }]);
        expect(watch.calls()).toBe(0);
      } finally {
        watch.restore();
      }
    });

    it('refuses a query deeper than the limit, before validating it', async () => {
      const response = await post(gateway, { query: '{ checkoutConfig { a { b { c { d { e { f { g { h } } } } } } } } }' });
      expect(response.status).toBe(400);
      expect(response.json.errors).toEqual([{ message: 'The operation is nested 9 levels deep; the limit is 8.', extensions: { code: 'BAD_USER_INPUT' } }]);
    });

    it('refuses a valid query deeper than a configured limit without running it, and serves shallower ones', async () => {
      const watch = watchResolvers(tight);
      try {
        const deep = await post(tight, { query: 'query { payments { edges { node { pidx } } } }' }, ADMIN_KEY);
        expect(deep.status).toBe(400);
        expect(deep.json.errors).toEqual([{ message: 'The operation is nested 4 levels deep; the limit is 3.', extensions: { code: 'BAD_USER_INPUT' } }]);
        expect(watch.calls()).toBe(0);
      } finally {
        watch.restore();
      }
      const shallow = await post(tight, { query: '{ checkoutConfig { environment } }' });
      expect(shallow.json).toEqual({ data: { checkoutConfig: { environment: 'embedded' } }, extensions: { cost: { estimated: 2, limit: 5000 } } });
    });

    it('refuses an operation over the cost limit, reading first from the variables, without running it', async () => {
      await initiated(gateway);
      const watch = watchResolvers(gateway);
      try {
        const costly = await post(gateway, { query: HEAVY, variables: { first: 100 } }, ADMIN_KEY);
        expect(costly.status).toBe(400);
        expect(costly.json.errors).toEqual([
          {
            message: 'Operation "Heavy" has an estimated cost of 15402; the limit is 5000. Ask for fewer fields, smaller pages (first) or fewer nested lists.',
            extensions: { code: 'BAD_USER_INPUT' },
          },
        ]);
        expect(watch.calls()).toBe(0);
      } finally {
        watch.restore();
      }
      const small = await post(gateway, { query: HEAVY, variables: { first: 5 } }, ADMIN_KEY);
      expect(small.status).toBe(200);
      expect(small.json.data.payments.edges.length).toBeGreaterThan(0);
    });

    it('applies the limits to GET queries too', async () => {
      const query = '{ checkoutConfig { a { b { c { d { e { f { g { h } } } } } } } } }';
      const response = await raw(gateway, `/graphql?${new URLSearchParams({ query })}`, {
        headers: { authorization: `Bearer ${CLIENT_KEY}`, 'apollo-require-preflight': 'true' },
      });
      expect(response.status).toBe(400);
      expect(response.json.errors[0]).toEqual({ message: 'The operation is nested 9 levels deep; the limit is 8.', extensions: { code: 'BAD_USER_INPUT' } });
    });

    it('keeps ordinary syntax and validation errors as BAD_USER_INPUT', async () => {
      const syntax = await post(gateway, { query: '{ checkoutConfig { ' });
      expect(syntax.status).toBe(400);
      expect(syntax.json.errors[0].extensions.code).toBe('BAD_USER_INPUT');
      expect(syntax.json.errors[0].message).toMatch(/^Syntax Error/);
      const unknown = await post(gateway, { query: '{ checkoutConfig { nope } }' });
      expect(unknown.status).toBe(400);
      expect(unknown.json.errors[0]).toMatchObject({ message: 'Cannot query field "nope" on type "CheckoutConfig".', extensions: { code: 'BAD_USER_INPUT' } });
    });
  });

  describe('transport', () => {
    it('refuses a batched (array) POST without running any of it', async () => {
      const watch = watchResolvers(gateway);
      try {
        const response = await post(gateway, [{ query: '{ checkoutConfig { environment } }' }, { query: aliasedInitiates(1), variables: { input: orderInput() } }]);
        expect(response.status).toBe(400);
        expect(response.text).toMatch(/batching/i);
        expect(watch.calls()).toBe(0);
      } finally {
        watch.restore();
      }
    });

    it('refuses CSRF-able simple requests: text/plain, form and multipart POSTs, GETs without a preflight header', async () => {
      const watch = watchResolvers(gateway);
      const initiatesBefore = await upstreamRequests(gateway, 'initiate');
      try {
        const mutation = JSON.stringify({ query: aliasedInitiates(1), variables: { input: orderInput() } });
        const simple = [
          await raw(gateway, '/graphql', { method: 'POST', headers: { 'content-type': 'text/plain', authorization: `Bearer ${CLIENT_KEY}` }, body: mutation }),
          await raw(gateway, '/graphql', {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Bearer ${CLIENT_KEY}` },
            body: new URLSearchParams({ query: '{ checkoutConfig { environment } }' }).toString(),
          }),
          await raw(gateway, '/graphql', {
            method: 'POST',
            headers: { 'content-type': 'multipart/form-data; boundary=x', authorization: `Bearer ${CLIENT_KEY}` },
            body: '--x\r\nContent-Disposition: form-data; name="query"\r\n\r\n{ checkoutConfig { environment } }\r\n--x--\r\n',
          }),
          await raw(gateway, `/graphql?${new URLSearchParams({ query: '{ checkoutConfig { environment } }' })}`, {
            headers: { accept: 'application/json', authorization: `Bearer ${CLIENT_KEY}` },
          }),
        ];
        for (const response of simple) {
          expect(response.status).toBe(400);
          expect(response.text).toMatch(/Cross-Site Request Forgery/);
        }
        expect(watch.calls()).toBe(0);
      } finally {
        watch.restore();
      }
      expect(await upstreamRequests(gateway, 'initiate')).toBe(initiatesBefore);
    });

    it('serves a GET query that carries apollo-require-preflight, and never a GET mutation', async () => {
      const headers = { accept: 'application/json', authorization: `Bearer ${CLIENT_KEY}`, 'apollo-require-preflight': 'true' };
      const query = await raw(gateway, `/graphql?${new URLSearchParams({ query: '{ checkoutConfig { environment } }' })}`, { headers });
      expect(query.json).toEqual({ data: { checkoutConfig: { environment: 'embedded' } }, extensions: { cost: { estimated: 2, limit: 5000 } } });
      const watch = watchResolvers(gateway);
      try {
        const mutation = await raw(gateway, `/graphql?${new URLSearchParams({ query: 'mutation { verifyPayment(pidx: "x") { pidx } }' })}`, { headers });
        expect(mutation.status).toBe(405);
        expect(watch.calls()).toBe(0);
      } finally {
        watch.restore();
      }
    });

    it('refuses a body over 100 kB with 413 and a JSON error, running nothing', async () => {
      const watch = watchResolvers(gateway);
      const initiatesBefore = await upstreamRequests(gateway, 'initiate');
      try {
        const input = orderInput({ purchaseOrderName: 'x'.repeat(110 * 1024) });
        const response = await post(gateway, { query: aliasedInitiates(1), variables: { input } });
        expect(response.status).toBe(413);
        expect(response.headers['content-type']).toMatch(/^application\/json/);
        expect(response.json).toEqual({ errors: [{ message: 'The request body is larger than 100 kB, the limit; nothing was run.', extensions: { code: 'BAD_USER_INPUT' } }] });
        expect(watch.calls()).toBe(0);
      } finally {
        watch.restore();
      }
      expect(await upstreamRequests(gateway, 'initiate')).toBe(initiatesBefore);
      // Just under the limit is fine (and refused by the gateway's own validation, as a userError).
      const fits = await post(gateway, { query: aliasedInitiates(1).replace('paymentUrl', 'paymentUrl userErrors { code }'), variables: { input: orderInput({ purchaseOrderName: 'x'.repeat(90 * 1024) }) } });
      expect(fits.status).toBe(200);
    });

    it('every GraphQL answer says Cache-Control: no-store, data and errors alike (no cache may keep a payment)', async () => {
      const answered = await post(gateway, { query: '{ checkoutConfig { environment } }' });
      expect(answered.status).toBe(200);
      expect(answered.json.errors).toBeUndefined();
      expect(answered.headers['cache-control']).toBe('no-store');
      const invalid = await post(gateway, { query: '{ checkoutConfig { noSuchField } }' });
      expect(invalid.status).toBe(400);
      expect(invalid.headers['cache-control']).toBe('no-store');
    });

    it('answers malformed JSON with a JSON error, not an HTML stack trace', async () => {
      const response = await post(gateway, '{"query": "{ checkoutConfig { environment } }"');
      expect(response.status).toBe(400);
      expect(response.json).toEqual({ errors: [{ message: 'The request body is not valid JSON.', extensions: { code: 'BAD_USER_INPUT' } }] });
      expect(response.text).not.toMatch(/node_modules|at /);
    });
  });

  describe('HTML routes', () => {
    const expectPageHeaders = (headers: RawResponse['headers']) => {
      const csp = String(headers['content-security-policy']);
      expect(csp).toContain("default-src 'none'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toContain("base-uri 'none'");
      expect(csp).not.toMatch(/script-src[^;]*'unsafe-(inline|eval)'/);
      expect(headers['x-content-type-options']).toBe('nosniff');
      expect(headers['referrer-policy']).toBe('no-referrer');
      expect(headers['cache-control']).toBe('no-store');
    };

    it('GraphiQL', async () => {
      const page = await raw(gateway, '/graphql', { headers: { accept: 'text/html' } });
      expect(page.status).toBe(200);
      expectPageHeaders(page.headers);
      expect(String(page.headers['content-security-policy'])).toContain("script-src 'self'");
      expect(page.headers['x-frame-options']).toBe('DENY');
    });

    it("the emulator's payment page", async () => {
      const { paymentUrl } = await initiated(gateway);
      const page = await raw(gateway, new URL(onLoopback(paymentUrl, gateway.app.url)).pathname + new URL(paymentUrl).search);
      expect(page.status).toBe(200);
      expectPageHeaders(page.headers);
    });

    it('the return route, on its redirect and on its not-found page', async () => {
      const { pidx } = await initiated(gateway);
      const redirect = await raw(gateway, `/khalti/return?pidx=${pidx}`);
      expect(redirect.status).toBe(302);
      expectPageHeaders(redirect.headers);
      expect(redirect.headers['x-frame-options']).toBe('DENY');
      const missing = await raw(gateway, '/khalti/return?pidx=NotOurs');
      expect(missing.status).toBe(404);
      expectPageHeaders(missing.headers);
    });
  });

  describe('/khalti/return redirects only to the returnUrl stored for that payment', () => {
    const comeBack = (query: string) => get(`${gateway.app.url}/khalti/return?${query}`);

    it('whatever the query string says, the Location is the stored returnUrl with verified values', async () => {
      const shop = await initiated(gateway, { returnUrl: 'https://shop.example.com/checkout/done?cart=42' });
      const other = await initiated(gateway, { returnUrl: 'https://other.example.org/thanks' });
      const tampered = new URLSearchParams({
        return_url: 'https://evil.example.net/',
        returnUrl: 'https://evil.example.net/',
        redirect: 'https://evil.example.net/',
        redirect_uri: '//evil.example.net',
        next: 'https://evil.example.net/',
        url: 'javascript:alert(1)',
        website_url: 'https://evil.example.net/',
        status: 'Completed',
        purchase_order_id: 'someone-else',
      });
      for (const { pidx } of [shop, other]) {
        const back = await comeBack(`pidx=${pidx}&${tampered}`);
        expect(back.status).toBe(302);
        expect(back.location).toBe(merchantReturnUrl((await gateway.app.services.state.get(pidx))!));
      }
      const shopBack = new URL((await comeBack(`pidx=${shop.pidx}&${tampered}`)).location!);
      expect(`${shopBack.origin}${shopBack.pathname}`).toBe('https://shop.example.com/checkout/done');
      expect(shopBack.searchParams.get('cart')).toBe('42');
      const otherBack = new URL((await comeBack(`pidx=${other.pidx}`)).location!);
      expect(`${otherBack.origin}${otherBack.pathname}`).toBe('https://other.example.org/thanks');
    });

    it('never redirects for an unknown, repeated or forged pidx', async () => {
      const { pidx } = await initiated(gateway);
      for (const query of [
        'pidx=NotOurs',
        `pidx=${pidx}&pidx=${pidx}`,
        `pidx=${pidx}%0d%0aLocation:%20https://evil.example.net`,
        `pidx[]=${pidx}`,
        'return_url=https://evil.example.net/',
      ]) {
        const back = await comeBack(query);
        expect(back.status).toBe(404);
        expect(back.location).toBeUndefined();
      }
    });
  });
});
