/**
 * The rest of the API surface: WebSocket authentication, connections and cursors, banks, legacy
 * status, checkoutConfig, the admin-only fields, masked internal errors and health routes.
 */
import { request } from 'undici';
import { ADMIN_KEY, CLIENT_KEY, startGateway, type TestGateway } from '../support/gateway';
import { AUDIT_LOG, STATUS_CHANGED } from '../support/operations';
import { completed, initiated } from '../support/payments';
import { connected, subscribe } from '../support/subscriptions';
import { refusal } from '../support/database';

const PAYMENTS = /* GraphQL */ `
  query ($status: PaymentStatus, $first: Int, $after: String) {
    payments(status: $status, first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      edges { cursor node { pidx status } }
    }
  }
`;

describe('API surface', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startGateway({ KHALTI_PUBLIC_KEY: 'test_public_key_abc' });
  });
  afterAll(() => gateway.close());

  describe('subscriptions over WebSocket', () => {
    it('refuses a socket without a valid API key in connectionParams', async () => {
      const { pidx } = await initiated(gateway);
      for (const key of [null, 'wrong-key-0123456789abcdef']) {
        const events = subscribe(gateway.app.url, key, STATUS_CHANGED, { pidx });
        await expect(connected(events.client)).rejects.toThrow(/4403/);
        await events.dispose();
      }
    });

    it('answers a subscription POSTed over HTTP with a 400 pointing to the WebSocket, having run nothing', async () => {
      const { pidx } = await initiated(gateway);
      const spy = jest.spyOn(gateway.app.services.events, 'subscribe');
      try {
        const result = await gateway.gql(STATUS_CHANGED, { pidx });
        expect(result.status).toBe(400);
        expect(result.errors).toEqual([
          expect.objectContaining({ message: expect.stringMatching(/^Subscriptions are served over the WebSocket at \/graphql/), extensions: { code: 'BAD_USER_INPUT' } }),
        ]);
        expect(spy).not.toHaveBeenCalled();
      } finally {
        spy.mockRestore();
      }
    });

    it('refuses a subscription to a pidx this gateway never initiated', async () => {
      const events = subscribe(gateway.app.url, CLIENT_KEY, STATUS_CHANGED, { pidx: 'NotOurs' });
      await expect(events.waitFor(1)).rejects.toThrow(/no payment with this pidx/);
      await events.dispose();
    });
  });

  describe('payments connection (admin)', () => {
    it('pages newest first with opaque cursors, and filters by status', async () => {
      const made: string[] = [];
      for (let index = 0; index < 5; index += 1) made.push((await initiated(gateway)).pidx);
      const paid = await completed(gateway);

      const seen: string[] = [];
      let after: string | null = null;
      let pages = 0;
      for (;;) {
        const result: any = await gateway.gql(PAYMENTS, { first: 2, after }, ADMIN_KEY);
        const connection: any = result.data.payments;
        seen.push(...connection.edges.map((edge: any) => edge.node.pidx));
        pages += 1;
        expect(connection.pageInfo.hasPreviousPage).toBe(after !== null);
        if (!connection.pageInfo.hasNextPage) break;
        after = connection.pageInfo.endCursor;
      }
      const total = (await gateway.gql(PAYMENTS, { first: 1 }, ADMIN_KEY)).data.payments.totalCount;
      expect(seen).toHaveLength(total);
      expect(new Set(seen).size).toBe(total);
      expect(pages).toBe(Math.ceil(total / 2));
      expect(seen.slice(0, 6)).toEqual([paid.pidx, ...made.reverse()]);

      const completedOnly = await gateway.gql(PAYMENTS, { status: 'COMPLETED', first: 100 }, ADMIN_KEY);
      expect(completedOnly.data.payments.edges.every((edge: any) => edge.node.status === 'COMPLETED')).toBe(true);
      expect(completedOnly.data.payments.edges.map((edge: any) => edge.node.pidx)).toContain(paid.pidx);
    });

    it('rejects a bad page size or a foreign cursor with BAD_USER_INPUT', async () => {
      for (const variables of [{ first: 0 }, { first: 101 }, { after: 'bm9wZQ' }, { after: '%%%' }]) {
        const result = await gateway.gql(PAYMENTS, variables, ADMIN_KEY);
        expect(result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      }
    });

    it('is admin only, as are a payment\'s refunds and audit log', async () => {
      expect((await gateway.gql(PAYMENTS, {}, CLIENT_KEY)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      const { pidx } = await initiated(gateway);
      const nested = await gateway.gql(`query ($pidx: ID!) { payment(pidx: $pidx) { pidx refunds { id } } }`, { pidx }, CLIENT_KEY);
      expect(nested.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      const asAdmin = await gateway.gql(`query ($pidx: ID!) { payment(pidx: $pidx) { refunds { id } auditLog { kind operation } } }`, { pidx }, ADMIN_KEY);
      expect(asAdmin.data.payment.refunds).toEqual([]);
      const story = asAdmin.data.payment.auditLog.map((row: any) => `${row.kind}:${row.operation}`);
      // The initiate call, the status it started in, then one lookup per read of the (non-final) payment.
      expect(story.slice(0, 2)).toEqual(['upstream:initiate', 'status_change:initiate']);
      expect(new Set(story.slice(2))).toEqual(new Set(['upstream:lookup']));
    });
  });

  it('pages the audit log by cursor without repeating an entry', async () => {
    const first = await gateway.gql(AUDIT_LOG, { first: 3 }, ADMIN_KEY);
    const second = await gateway.gql(AUDIT_LOG, { first: 3, after: first.data.auditLog.pageInfo.endCursor }, ADMIN_KEY);
    const ids = [...first.data.auditLog.edges, ...second.data.auditLog.edges].map((edge: any) => Number(edge.node.id));
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    expect(new Set(ids).size).toBe(6);
  });

  it('lists banks of both kinds across Khalti\'s pages', async () => {
    const result = await gateway.gql(`{ e: banks(type: EBANKING) { idx name hasEbanking } m: banks(type: MOBILE_CHECKOUT) { idx hasMobileCheckout } }`, {});
    expect(result.data.e.length).toBeGreaterThan(10);
    expect(result.data.e.every((bank: any) => bank.hasEbanking)).toBe(true);
    expect(result.data.m.every((bank: any) => bank.hasMobileCheckout)).toBe(true);
    expect(new Set(result.data.e.map((bank: any) => bank.idx)).size).toBe(result.data.e.length);
  });

  it('answers the legacy transaction status by token and amount', async () => {
    const { pidx } = await completed(gateway);
    const transactionId = (await gateway.app.services.state.get(pidx))!.transactionId!;
    const query = `query ($token: String!, $amount: Int!) { transactionStatus(token: $token, amount: $amount) { status state detail } }`;
    expect((await gateway.gql(query, { token: transactionId, amount: 1300 })).data.transactionStatus).toEqual({ status: true, state: 'Complete', detail: 'Transaction complete.' });
    expect((await gateway.gql(query, { token: transactionId, amount: 1 })).data.transactionStatus).toMatchObject({ status: false, state: 'Error' });
    expect((await gateway.gql(query, { token: ' ', amount: 1300 })).errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('gives mobile SDKs their configuration', async () => {
    const result = await gateway.gql('{ checkoutConfig { environment publicKey } }', {});
    expect(result.data.checkoutConfig).toEqual({ environment: 'embedded', publicKey: 'test_public_key_abc' });
  });

  it('masks an unexpected error to INTERNAL_SERVER_ERROR with an id that appears in the log', async () => {
    const { pidx } = await initiated(gateway);
    const original = gateway.app.services.state.refresh;
    gateway.app.services.state.refresh = () => Promise.reject(new Error('database exploded at /var/secret/path'));
    try {
      const result = await gateway.gql('mutation ($pidx: ID!) { verifyPayment(pidx: $pidx) { status } }', { pidx });
      const error = result.errors![0]!;
      expect(error.extensions?.code).toBe('INTERNAL_SERVER_ERROR');
      expect(error.message).not.toContain('exploded');
      expect(gateway.logs.some((line) => line.includes(String(error.extensions?.errorId)) && line.includes('exploded'))).toBe(true);
    } finally {
      gateway.app.services.state.refresh = original;
    }
  });

  it('reports liveness and readiness', async () => {
    for (const [path, body] of [
      ['/healthz', { status: 'ok' }],
      ['/readyz', { status: 'ready' }],
    ] as const) {
      const response = await request(`${gateway.app.url}${path}`);
      expect(response.statusCode).toBe(200);
      expect(await response.body.json()).toEqual(body);
    }
  });

  it('keeps the audit log append-only in the database itself', async () => {
    expect((await refusal(gateway.app.database, "UPDATE audit_log SET detail = 'x'"))?.message).toMatch(/append-only/);
    expect((await refusal(gateway.app.database, 'DELETE FROM audit_log'))?.message).toMatch(/append-only/);
  });
});
