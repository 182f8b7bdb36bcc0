/**
 * /khalti/return never trusts the query string: only the pidx is used, and only to look it up.
 * Also lookups that report Expired, User canceled, or an amount that is not what was initiated.
 */
import { cancel, get, onLoopback } from '../support/buyer';
import { ADMIN_KEY, startGateway, upstreamRequests, type TestGateway } from '../support/gateway';
import { AUDIT_LOG, PAYMENT, VERIFY } from '../support/operations';
import { initiated } from '../support/payments';

describe('the buyer coming back through /khalti/return', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startGateway();
  });
  afterAll(() => gateway.close());

  const comeBack = (query: Record<string, string>) => get(`${gateway.app.url}/khalti/return?${new URLSearchParams(query)}`);
  const merchantParams = (location: string) => Object.fromEntries(new URL(location).searchParams);

  it('ignores a tampered status and amount: lookup says Initiated, so the buyer is told not paid', async () => {
    const { pidx, input } = await initiated(gateway);
    const back = await comeBack({ pidx, status: 'Completed', amount: '1300', total_amount: '1300', transaction_id: 'forged', purchase_order_id: 'someone-else' });
    expect(back.status).toBe(302);
    expect(merchantParams(back.location!)).toMatchObject({ pidx, status: 'INITIATED', paid: 'false', purchase_order_id: input.purchaseOrderId });
    const read = await gateway.gql(PAYMENT, { pidx });
    expect(read.data.payment).toMatchObject({ status: 'INITIATED', paid: false, transactionId: null });
  });

  it('redirects only to the returnUrl stored for the payment, whatever the query string says', async () => {
    const { pidx } = await initiated(gateway);
    const back = await comeBack({ pidx, return_url: 'https://evil.example.net/', returnUrl: 'https://evil.example.net/' });
    expect(new URL(back.location!).origin).toBe('https://shop.example.com');
  });

  it('records what lookup reports when the buyer cancels on the payment page', async () => {
    const { pidx, paymentUrl } = await initiated(gateway);
    const khaltiRedirect = await cancel(onLoopback(paymentUrl, gateway.app.url));
    expect(new URL(khaltiRedirect).searchParams.get('status')).toBe('User canceled');
    const back = await get(onLoopback(khaltiRedirect, gateway.app.url));
    expect(merchantParams(back.location!)).toMatchObject({ pidx, status: 'USER_CANCELED', paid: 'false' });
  });

  it('a tampered "Completed" for a canceled payment changes nothing', async () => {
    const { pidx } = await initiated(gateway);
    await gateway.control('POST', `/payments/${pidx}/cancel`);
    await comeBack({ pidx });
    const back = await comeBack({ pidx, status: 'Completed' });
    expect(merchantParams(back.location!)).toMatchObject({ status: 'USER_CANCELED', paid: 'false' });
  });

  it('reads Expired (HTTP 400 at Khalti) as a status, not an error', async () => {
    const { pidx } = await initiated(gateway);
    await gateway.control('POST', `/payments/${pidx}/expire`);
    const verified = await gateway.gql(VERIFY, { pidx });
    expect(verified.errors).toBeUndefined();
    expect(verified.data.verifyPayment).toMatchObject({ status: 'EXPIRED', paid: false });
  });

  it('does not pay out when Khalti reports a different total than was initiated', async () => {
    const { pidx } = await initiated(gateway);
    await gateway.control('POST', `/payments/${pidx}/complete`, {});
    await gateway.control('POST', `/payments/${pidx}/lookup-override`, { total_amount: 100 });
    const back = await comeBack({ pidx, amount: '1300', total_amount: '1300' });
    expect(merchantParams(back.location!)).toMatchObject({ status: 'COMPLETED', paid: 'false' });
    const read = await gateway.gql(PAYMENT, { pidx });
    expect(read.data.payment).toMatchObject({ status: 'COMPLETED', paid: false, amountMismatch: true, totalAmount: 100, amount: 1300 });
  });

  it('holds an unknown Khalti status as UNKNOWN, never paid', async () => {
    const { pidx } = await initiated(gateway);
    await gateway.control('POST', `/payments/${pidx}/lookup-override`, { status: 'Weird New Status' });
    const verified = await gateway.gql(VERIFY, { pidx });
    expect(verified.data.verifyPayment).toMatchObject({ status: 'UNKNOWN', paid: false });
  });

  it('answers an unknown or missing pidx with a 404 page, no lookup and nothing written', async () => {
    const lookups = await upstreamRequests(gateway, 'lookup');
    const auditBefore = (await gateway.gql(AUDIT_LOG, { first: 1 }, ADMIN_KEY)).data.auditLog.totalCount;
    for (const query of [{ pidx: 'NotOurs123' }, {}, { pidx: '' }]) {
      const page = await comeBack(query as Record<string, string>);
      expect(page.status).toBe(404);
      expect(page.body).toContain('Payment not found');
    }
    expect(await upstreamRequests(gateway, 'lookup')).toBe(lookups);
    expect((await gateway.gql(AUDIT_LOG, { first: 1 }, ADMIN_KEY)).data.auditLog.totalCount).toBe(auditBefore);
  });

  it('returns null for payment(pidx) of a pidx this gateway never initiated, without asking Khalti', async () => {
    const lookups = await upstreamRequests(gateway, 'lookup');
    const read = await gateway.gql(PAYMENT, { pidx: 'NeverSeen' });
    expect(read.errors).toBeUndefined();
    expect(read.data.payment).toBeNull();
    expect(await upstreamRequests(gateway, 'lookup')).toBe(lookups);
  });

  it('records one status change however many callbacks and lookups see it', async () => {
    const { pidx } = await initiated(gateway);
    await gateway.control('POST', `/payments/${pidx}/complete`, {});
    await Promise.all([comeBack({ pidx }), comeBack({ pidx }), gateway.gql(VERIFY, { pidx }), gateway.gql(PAYMENT, { pidx }), comeBack({ pidx })]);
    const audit = await gateway.gql(AUDIT_LOG, { pidx, first: 100 }, ADMIN_KEY);
    const changes = audit.data.auditLog.edges.filter((edge: any) => edge.node.kind === 'status_change');
    expect(changes.map((edge: any) => JSON.parse(edge.node.detail).to).sort()).toEqual(['COMPLETED', 'INITIATED']);
  });

  it('ignores every field of a lookup answer that would walk a payment backwards', async () => {
    const { pidx } = await initiated(gateway);
    await gateway.control('POST', `/payments/${pidx}/complete`, {});
    const done = (await gateway.gql(VERIFY, { pidx })).data.verifyPayment;
    expect(done).toMatchObject({ status: 'COMPLETED', paid: true, totalAmount: 1300 });
    // An older view of the payment: still Initiated, another total, no transaction.
    await gateway.control('POST', `/payments/${pidx}/lookup-override`, { status: 'Initiated', total_amount: 5, transaction_id: null, fee: 7 });
    await gateway.gql(VERIFY, { pidx });
    const read = await gateway.gql(PAYMENT, { pidx });
    expect(read.data.payment).toMatchObject({ status: 'COMPLETED', paid: true, totalAmount: 1300, amountMismatch: false, fee: 0 });
    expect(read.data.payment.transactionId).toEqual(expect.any(String));
  });
});
