/**
 * NODE_ENV=production, over HTTP and WebSocket: introspection refused unless
 * GRAPHQL_INTROSPECTION enables it, no "Did you mean" schema hints in errors, and unexpected
 * errors masked to INTERNAL_SERVER_ERROR with an id that is in the log. A development gateway
 * beside it shows what production takes away.
 */
import { getIntrospectionQuery } from 'graphql';
import { ADMIN_KEY, CLIENT_KEY, startGateway, type TestGateway } from '../support/gateway';
import { INITIATE, STATUS_CHANGED, orderInput } from '../support/operations';
import { initiated } from '../support/payments';
import { subscribe } from '../support/subscriptions';

const GRAPHIQL_INTROSPECTION = getIntrospectionQuery({ inputValueDeprecation: true, schemaDescription: true });
const PAYMENTS_BY_STATUS = 'query ($status: PaymentStatus) { payments(status: $status) { totalCount } }';

/** The first error a subscription over WebSocket ends with. */
async function wsError(gateway: TestGateway, query: string, variables: Record<string, unknown> = {}): Promise<any> {
  const events = subscribe(gateway.app.url, CLIENT_KEY, query, variables);
  try {
    await events.waitFor(1, 5000).catch(() => undefined);
    const first = events.errors[0];
    return Array.isArray(first) ? first[0] : first;
  } finally {
    await events.dispose();
  }
}

describe('hardening: production', () => {
  let production: TestGateway;
  let productionWithIntrospection: TestGateway;
  let development: TestGateway;
  beforeAll(async () => {
    [production, productionWithIntrospection, development] = await Promise.all([
      startGateway({ NODE_ENV: 'production' }),
      startGateway({ NODE_ENV: 'production', GRAPHQL_INTROSPECTION: 'true' }),
      startGateway(),
    ]);
  });
  afterAll(() => Promise.all([production.close(), productionWithIntrospection.close(), development.close()]));

  describe('introspection', () => {
    it('is refused over HTTP, while __typename still works', async () => {
      for (const query of [GRAPHIQL_INTROSPECTION, '{ __schema { queryType { name } } }', '{ __type(name: "Payment") { fields { name } } }']) {
        const result = await production.gql(query, {});
        expect(result.status).toBe(400);
        expect(result.data).toBeUndefined();
        expect(result.errors?.[0]).toMatchObject({ message: 'Introspection is disabled on this gateway (GRAPHQL_INTROSPECTION).', extensions: { code: 'BAD_USER_INPUT' } });
      }
      expect((await production.gql('{ __typename checkoutConfig { __typename environment } }', {})).data).toEqual({
        __typename: 'Query',
        checkoutConfig: { __typename: 'CheckoutConfig', environment: 'embedded' },
      });
    });

    it('is refused over WebSocket', async () => {
      const error = await wsError(production, '{ __schema { queryType { name } } }');
      expect(error).toMatchObject({ message: 'Introspection is disabled on this gateway (GRAPHQL_INTROSPECTION).', extensions: { code: 'BAD_USER_INPUT' } });
    });

    it('is answered when GRAPHQL_INTROSPECTION=true, and outside production', async () => {
      for (const gateway of [productionWithIntrospection, development]) {
        const result = await gateway.gql(GRAPHIQL_INTROSPECTION, {});
        expect(result.errors).toBeUndefined();
        expect(result.data.__schema.types.map((type: any) => type.name)).toContain('Payment');
      }
    });
  });

  describe('no field suggestions', () => {
    const cases: [string, string, Record<string, unknown>, string | null][] = [
      ['a misspelt field', '{ checkoutConfg { environment } }', {}, CLIENT_KEY],
      ['a misspelt argument', 'query { payments(frist: 2) { totalCount } }', {}, ADMIN_KEY],
      ['a misspelt enum value in a variable', PAYMENTS_BY_STATUS, { status: 'COMPLETE' }, ADMIN_KEY],
      ['a misspelt input field in a variable', INITIATE, { input: { ...orderInput(), amont: 1300 } }, CLIENT_KEY],
    ];

    it.each(cases)('%s: development suggests, production does not', async (_what, query, variables, key) => {
      const dev = await development.gql(query, variables, key);
      expect(dev.errors?.[0]?.message).toMatch(/Did you mean/);
      const prod = await production.gql(query, variables, key);
      expect(prod.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(prod.errors?.[0]?.message).not.toMatch(/Did you mean/);
      expect(prod.errors?.[0]?.message).toBe(dev.errors?.[0]?.message.replace(/\s*Did you mean [^]*\?$/, ''));
    });

    it('over WebSocket either', async () => {
      const query = 'subscription ($pidx: ID!) { paymentStatusChanged(pidx: $pidx) { statu } }';
      expect((await wsError(development, query, { pidx: 'x' })).message).toMatch(/Did you mean "status"\?/);
      const error = await wsError(production, query, { pidx: 'x' });
      expect(error).toMatchObject({ message: 'Cannot query field "statu" on type "PaymentStatusChange".', extensions: { code: 'BAD_USER_INPUT' } });
    });
  });

  describe('internal errors are masked to a code and an id that is in the log', () => {
    it('over HTTP', async () => {
      const { pidx } = await initiated(production);
      const state = production.app.services.state;
      const original = state.refresh;
      state.refresh = () => Promise.reject(new Error('SQLITE_CORRUPT at /var/lib/secret/gateway.sqlite'));
      try {
        const result = await production.gql('mutation ($pidx: ID!) { verifyPayment(pidx: $pidx) { status } }', { pidx });
        const error = result.errors![0]!;
        expect(error.extensions).toEqual({ code: 'INTERNAL_SERVER_ERROR', errorId: expect.stringMatching(/^[0-9a-f-]{36}$/) });
        expect(error.message).toBe(`Internal server error (id ${error.extensions!.errorId}).`);
        expect(JSON.stringify(result)).not.toMatch(/SQLITE|secret|stack/i);
        expect(production.logs.some((line) => line.includes(String(error.extensions!.errorId)) && line.includes('SQLITE_CORRUPT'))).toBe(true);
      } finally {
        state.refresh = original;
      }
    });

    it('over WebSocket', async () => {
      const { pidx } = await initiated(production);
      const events = production.app.services.events;
      const original = events.subscribe;
      events.subscribe = () => {
        throw new Error('pubsub exploded at /var/lib/secret');
      };
      try {
        const error = await wsError(production, STATUS_CHANGED, { pidx });
        expect(error.extensions).toEqual({ code: 'INTERNAL_SERVER_ERROR', errorId: expect.stringMatching(/^[0-9a-f-]{36}$/) });
        expect(JSON.stringify(error)).not.toMatch(/exploded|secret/);
        expect(production.logs.some((line) => line.includes(String(error.extensions.errorId)) && line.includes('exploded'))).toBe(true);
      } finally {
        events.subscribe = original;
      }
    });
  });
});
