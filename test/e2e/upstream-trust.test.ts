/**
 * Khalti's answer is trusted only as far as its shape (issue 7, point 8), over real HTTP with the
 * embedded emulator's faults standing in for a broken or hostile upstream: a payment_url that is
 * not http(s) or a pidx that is not Khalti's is UPSTREAM_UNAVAILABLE with an audit row and nothing
 * stored; a lookup answered 400 or 404 without a lookup body is an upstream error with its status.
 */
import { ADMIN_KEY, startGateway, type TestGateway } from '../support/gateway';
import { AUDIT_LOG, INITIATE, PAYMENT, VERIFY, orderInput } from '../support/operations';
import { completed, initiated, paymentCount } from '../support/payments';

describe("Khalti's answers are checked before anything is stored or handed out", () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startGateway();
  });
  afterAll(() => gateway.close());
  afterEach(() => gateway.control('DELETE', '/faults'));

  const upstreamRows = async (operation: string) => {
    const audit = await gateway.gql(AUDIT_LOG, { first: 100 }, ADMIN_KEY);
    return audit.data.auditLog.edges.map((edge: any) => edge.node).filter((row: any) => row.kind === 'upstream' && row.operation === operation);
  };

  const initiateAnswer = (patch: Record<string, unknown>) => ({
    pidx: 'bZQLD9wRVWo4CdESSfuSsB',
    payment_url: 'https://test-pay.khalti.com/?pidx=bZQLD9wRVWo4CdESSfuSsB',
    expires_at: new Date(Date.now() + 30 * 60_000).toISOString(),
    expires_in: 1800,
    ...patch,
  });

  it.each([
    ['a javascript: payment_url', { payment_url: 'javascript:alert(document.cookie)' }],
    ['a data: payment_url', { payment_url: 'data:text/html,<script>alert(1)</script>' }],
    ['a relative payment_url', { payment_url: '/pay?pidx=bZQLD9wRVWo4CdESSfuSsB' }],
    ['a 100 kB pidx', { pidx: 'A'.repeat(100_000) }],
  ])('initiate answered with %s: UPSTREAM_UNAVAILABLE, no payment stored, an audit row without the value whole', async (_label, patch) => {
    const before = await paymentCount(gateway);
    const callsBefore = (await upstreamRows('initiate')).length;
    await gateway.control('POST', '/faults', { route: 'initiate', kind: 'status', status: 200, body: initiateAnswer(patch) });

    const input = orderInput();
    const result = await gateway.gql(INITIATE, { input });
    expect(result.errors?.[0]?.extensions?.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(result.data?.initiatePayment ?? null).toBeNull();
    const text = JSON.stringify(result);
    expect(text).not.toContain('javascript:');
    expect(text).not.toContain('data:text');
    expect(text.length).toBeLessThan(2000);

    expect(await paymentCount(gateway)).toBe(before);
    expect((await gateway.app.services.queries.page({ first: 100 })).rows.some((row: any) => row.purchaseOrderId === input.purchaseOrderId)).toBe(false);
    expect((await gateway.gql(PAYMENT, { pidx: 'bZQLD9wRVWo4CdESSfuSsB' })).data.payment).toBeNull();

    const rows = await upstreamRows('initiate');
    expect(rows).toHaveLength(callsBefore + 1);
    const row = rows[0];
    expect(row).toMatchObject({ httpStatus: 200, pidx: null });
    expect(JSON.parse(row.detail).error).toMatchObject({ name: 'KhaltiUnavailableError', message: expect.stringMatching(/bad_body/) });
    expect(row.detail.length).toBeLessThan(5000);
  });

  it.each([
    ['404 {"detail":"Not found."}', 404, { detail: 'Not found.', error_key: 'validation_error' }, /^Khalti does not know this payment \(its lookup answered HTTP 404: Not found\.\)/],
    ['400 with field errors', 400, { pidx: ['This field may not be blank.'], error_key: 'validation_error' }, /^Khalti could not answer the lookup \(HTTP 400: .*This field may not be blank\./],
    ['400 with a detail only', 400, { detail: 'Something went wrong.' }, /^Khalti could not answer the lookup \(HTTP 400: Something went wrong\./],
  ])('verifyPayment on a lookup answered %s: UPSTREAM_UNAVAILABLE with the upstream status, nothing changed', async (_label, status, body, message) => {
    const { pidx } = await completed(gateway);
    const stored = (await gateway.app.services.state.get(pidx))!;
    await gateway.control('POST', '/faults', { route: 'lookup', kind: 'status', status, body });

    const result = await gateway.gql(VERIFY, { pidx });
    const error = result.errors?.[0];
    expect(error?.extensions).toEqual({ code: 'UPSTREAM_UNAVAILABLE', upstreamStatus: status });
    expect(error?.message).toMatch(message);
    expect(result.data?.verifyPayment ?? null).toBeNull();
    expect((await gateway.app.services.state.get(pidx))).toEqual(stored);
    const [row] = await upstreamRows('lookup');
    expect(row).toMatchObject({ pidx, httpStatus: status });
  });

  it('a lookup answered with a 100 kB pidx changes nothing and is not stored whole', async () => {
    const { pidx } = await initiated(gateway);
    await gateway.control('POST', '/faults', {
      route: 'lookup',
      kind: 'status',
      status: 200,
      count: 5,
      body: { pidx: 'A'.repeat(100_000), total_amount: 1300, status: 'Completed', transaction_id: 'T', fee: 0, refunded: false },
    });
    const result = await gateway.gql(VERIFY, { pidx });
    expect(result.errors?.[0]?.extensions?.code).toBe('UPSTREAM_UNAVAILABLE');
    expect((await gateway.app.services.state.get(pidx))?.status).toBe('INITIATED');
    for (const row of await upstreamRows('lookup')) expect(row.detail.length).toBeLessThan(5000);
  });
});
