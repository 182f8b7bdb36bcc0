/**
 * Roles and the HTTP surface (issue 7 point 10, DESIGN section 3): a missing or unknown key is
 * HTTP 401 (introspection-only documents excepted, so GraphiQL can load the schema); a field the
 * caller's role may not read is a FORBIDDEN error on that field alone; server keys do what
 * client keys may and no more; checkoutConfig.returnUrl is the return_url registered with Khalti.
 */
import { request } from 'undici';
import { ADMIN_KEY, CLIENT_KEY, SERVER_KEY, startGateway, type TestGateway } from '../support/gateway';
import { INITIATE, orderInput } from '../support/operations';
import { initiated } from '../support/payments';
import { watchResolvers } from '../support/resolver-spies';

const INTROSPECTION = 'query IntrospectionQuery { __schema { queryType { name } types { name } } }';

async function post(gateway: TestGateway, body: unknown, authorization?: string) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (authorization !== undefined) headers.authorization = authorization;
  const response = await request(`${gateway.app.url}/graphql`, { method: 'POST', headers, body: JSON.stringify(body) });
  return { status: response.statusCode, headers: response.headers, body: (await response.body.json()) as any };
}

describe('roles and the HTTP surface', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startGateway({ PUBLIC_URL: 'https://pay.example.com' });
  });
  afterAll(() => gateway.close());

  describe('HTTP 401', () => {
    it('answers a missing, unknown or malformed key with 401 and UNAUTHENTICATED, running nothing', async () => {
      const watch = watchResolvers(gateway);
      try {
        for (const [authorization, message] of [
          [undefined, 'Send an API key: Authorization: Bearer <key>.'],
          ['', 'Send an API key: Authorization: Bearer <key>.'],
          ['Bearer not-a-real-key-0123456789', 'The API key is not valid.'],
          [CLIENT_KEY, 'The API key is not valid.'],
          [`Basic ${CLIENT_KEY}`, 'The API key is not valid.'],
        ] as const) {
          const answer = await post(gateway, { query: INITIATE, variables: { input: orderInput() } }, authorization);
          expect([authorization, answer.status]).toEqual([authorization, 401]);
          expect(answer.headers['www-authenticate']).toBe('Bearer');
          expect(answer.body).toEqual({ errors: [{ message, extensions: { code: 'UNAUTHENTICATED' } }] });
        }
        expect(watch.calls()).toBe(0);
      } finally {
        watch.restore();
      }
    });

    it('answers GET queries without a key with 401 too', async () => {
      const response = await request(`${gateway.app.url}/graphql?query=${encodeURIComponent('{ checkoutConfig { environment } }')}`, {
        headers: { accept: 'application/json', 'apollo-require-preflight': 'true' },
      });
      expect(response.statusCode).toBe(401);
      expect(((await response.body.json()) as any).errors[0].extensions.code).toBe('UNAUTHENTICATED');
    });

    it('answers introspection-only documents without a key (GraphiQL loads the schema before a key is pasted)', async () => {
      for (const authorization of [undefined, 'Bearer <paste your API key>', 'Bearer not-a-real-key-0123456789']) {
        const answer = await post(gateway, { query: INTROSPECTION, operationName: 'IntrospectionQuery' }, authorization);
        expect([authorization, answer.status]).toEqual([authorization, 200]);
        expect(answer.body.data.__schema.queryType).toEqual({ name: 'Query' });
      }
      expect((await post(gateway, { query: '{ __typename }' })).body).toEqual({ data: { __typename: 'Query' }, extensions: { cost: { estimated: 0, limit: 5000 } } });
    });

    it('does not let introspection carry anything else in without a key', async () => {
      for (const body of [
        { query: '{ __schema { queryType { name } } checkoutConfig { environment } }' },
        { query: 'query A { __typename } query B { checkoutConfig { environment } }', operationName: 'B' },
        { query: 'query A { __typename } query B { checkoutConfig { environment } }' },
        { query: '{ ...F } fragment F on Query { checkoutConfig { environment } }' },
        { query: 'mutation { __typename }' },
        [{ query: '{ __typename }' }],
      ]) {
        expect([body, (await post(gateway, body)).status]).toEqual([body, 401]);
      }
    });

    it('answers introspection without a key with 401 where introspection is off', async () => {
      const closed = await startGateway({ GRAPHQL_INTROSPECTION: 'false' });
      try {
        expect((await post(closed, { query: INTROSPECTION })).status).toBe(401);
        expect((await post(closed, { query: INTROSPECTION }, `Bearer ${CLIENT_KEY}`)).body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
      } finally {
        await closed.close();
      }
    });
  });

  describe('fields a role may not read', () => {
    it("gives a client key the payment with a FORBIDDEN error on refunds and auditLog alone", async () => {
      const { pidx } = await initiated(gateway);
      for (const key of [CLIENT_KEY, SERVER_KEY]) {
        const result = await gateway.gql('query ($pidx: ID!) { payment(pidx: $pidx) { pidx status refunds { id } auditLog { id } } }', { pidx }, key);
        expect(result.status).toBe(200);
        expect(result.data).toEqual({ payment: { pidx, status: 'INITIATED', refunds: null, auditLog: null } });
        expect(result.errors?.map((error) => [error.path, error.extensions?.code, error.message])).toEqual(
          expect.arrayContaining([
            [['payment', 'refunds'], 'FORBIDDEN', 'This needs an admin API key.'],
            [['payment', 'auditLog'], 'FORBIDDEN', 'This needs an admin API key.'],
          ]),
        );
        expect(result.errors).toHaveLength(2);
      }
      const single = await gateway.gql('query ($pidx: ID!) { payment(pidx: $pidx) { pidx refunds { id } } }', { pidx }, CLIENT_KEY);
      expect(single.data).toEqual({ payment: { pidx, refunds: null } });
      expect(single.errors).toEqual([expect.objectContaining({ path: ['payment', 'refunds'], extensions: { code: 'FORBIDDEN' } })]);
      const admin = await gateway.gql('query ($pidx: ID!) { payment(pidx: $pidx) { refunds { id } auditLog { kind } } }', { pidx }, ADMIN_KEY);
      expect(admin.errors).toBeUndefined();
      expect(admin.data.payment.refunds).toEqual([]);
      expect(admin.data.payment.auditLog.length).toBeGreaterThan(0);
    });
  });

  describe('the server role', () => {
    it('may do what a client key may, and not what needs an admin', async () => {
      const { pidx } = await initiated(gateway);
      expect((await gateway.gql('{ checkoutConfig { environment } }', {}, SERVER_KEY)).data.checkoutConfig.environment).toBe('embedded');
      expect((await gateway.gql('query ($pidx: ID!) { payment(pidx: $pidx) { pidx } }', { pidx }, SERVER_KEY)).data.payment.pidx).toBe(pidx);
      expect((await gateway.gql('mutation ($pidx: ID!) { verifyPayment(pidx: $pidx) { pidx } }', { pidx }, SERVER_KEY)).data.verifyPayment.pidx).toBe(pidx);
      const payments = await gateway.gql('{ payments { totalCount } }', {}, SERVER_KEY);
      expect(payments.errors?.[0]).toMatchObject({ message: 'This needs an admin API key.', extensions: { code: 'FORBIDDEN' } });
      const refund = await gateway.gql('mutation ($input: RefundInput!) { refund(input: $input) { userErrors { code } } }', { input: { pidx } }, SERVER_KEY);
      expect(refund.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect((await gateway.gql('{ auditLog { totalCount } }', {}, SERVER_KEY)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    });
  });

  describe('checkoutConfig.returnUrl', () => {
    it("is the gateway's /khalti/return on PUBLIC_URL, the return_url Khalti is given", async () => {
      const result = await gateway.gql('{ checkoutConfig { environment publicKey returnUrl } }', {}, CLIENT_KEY);
      expect(result.data.checkoutConfig).toMatchObject({ environment: 'embedded', returnUrl: 'https://pay.example.com/khalti/return' });
      const initiate = await gateway.gql(INITIATE, { input: orderInput() }, SERVER_KEY);
      const pidx = initiate.data.initiatePayment.payment.pidx;
      const atKhalti = await gateway.control('GET', `/payments/${pidx}`);
      expect(JSON.stringify(atKhalti)).toContain('"https://pay.example.com/khalti/return"');
    });
  });
});
