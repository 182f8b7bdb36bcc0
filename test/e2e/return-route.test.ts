/**
 * /khalti/return never trusts the query string: only the pidx is used, and only to look it up.
 * Also lookups that report Expired, User canceled, or an amount that is not what was initiated;
 * signed redirects; and what keeps the route from amplifying load: final payments answered from
 * the record, shared fresh lookups, a per-address rate limit, capped security audit rows.
 */
import { createHmac } from 'node:crypto';
import { request } from 'undici';
import { verifyReturn } from '../../src/payments/return-signature';
import { DEFAULT_SECURITY_ROWS_PER_MINUTE } from '../../src/payments/security-events';
import { cancel, get, onLoopback, pay } from '../support/buyer';
import { ADMIN_KEY, SERVER_KEY, startGateway, upstreamRequests, type TestGateway } from '../support/gateway';
import { AUDIT_LOG, PAYMENT, VERIFY } from '../support/operations';
import { completed, initiated, paymentCount } from '../support/payments';

describe('the buyer coming back through /khalti/return', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    // Rate limiting has its own gateway below; here it would only count this file's requests.
    gateway = await startGateway({ RATE_LIMIT_RETURN_PER_MINUTE: '0' });
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

  it('answers an unknown or missing pidx with a 404 page, no lookup, nothing changed, and one security audit row each', async () => {
    const lookups = await upstreamRequests(gateway, 'lookup');
    const payments = await paymentCount(gateway);
    const auditBefore = (await gateway.gql(AUDIT_LOG, { first: 1 }, ADMIN_KEY)).data.auditLog.totalCount;
    for (const query of [{ pidx: 'NotOurs123' }, {}, { pidx: '' }, { pidx: 'not a pidx!' }]) {
      const page = await comeBack(query as Record<string, string>);
      expect(page.status).toBe(404);
      expect(page.body).toContain('Payment not found');
    }
    expect(await upstreamRequests(gateway, 'lookup')).toBe(lookups);
    expect(await paymentCount(gateway)).toBe(payments);
    const audit = (await gateway.gql(AUDIT_LOG, { first: 4 }, ADMIN_KEY)).data.auditLog;
    expect(audit.totalCount).toBe(auditBefore + 4);
    const rows = audit.edges.map((edge: any) => edge.node).reverse();
    expect(rows.map((row: any) => [row.kind, row.operation, row.actor, row.pidx])).toEqual([
      ['security', 'return_unknown_pidx', 'buyer', null],
      ['security', 'return_malformed_pidx', 'buyer', null],
      ['security', 'return_malformed_pidx', 'buyer', null],
      ['security', 'return_malformed_pidx', 'buyer', null],
    ]);
    expect(rows.map((row: any) => JSON.parse(row.detail))).toEqual([
      { pidx: 'NotOurs123' },
      { reason: 'missing' },
      { reason: 'empty', length: 0 },
      { reason: 'shape', length: 11 },
    ]);
  });

  it('records a huge malformed pidx by its length only, never its value', async () => {
    const auditBefore = (await gateway.gql(AUDIT_LOG, { first: 1 }, ADMIN_KEY)).data.auditLog.totalCount;
    // As long as a request line may be: Node answers 431 to longer ones before the gateway sees them.
    const blob = `${'A'.repeat(15_000)}<script>`;
    const page = await comeBack({ pidx: blob });
    expect(page.status).toBe(404);
    expect(page.body).not.toContain('AAAA');
    const audit = (await gateway.gql(AUDIT_LOG, { first: 1 }, ADMIN_KEY)).data.auditLog;
    expect(audit.totalCount).toBe(auditBefore + 1);
    const row = audit.edges[0].node;
    expect(row).toMatchObject({ kind: 'security', operation: 'return_malformed_pidx', pidx: null });
    expect(JSON.parse(row.detail)).toEqual({ reason: 'shape', length: blob.length });
    expect(row.detail).not.toContain('AAAA');
    // A 100 kB pidx does not get that far: refused by the HTTP parser, nothing written.
    const huge = await comeBack({ pidx: 'A'.repeat(100 * 1024) });
    expect(huge.status).toBe(431);
    expect((await gateway.gql(AUDIT_LOG, { first: 1 }, ADMIN_KEY)).data.auditLog.totalCount).toBe(auditBefore + 1);
  });

  it('answers a payment already final from the record: no lookup, no audit row', async () => {
    const { pidx, input } = await completed(gateway);
    const lookups = await upstreamRequests(gateway, 'lookup');
    const auditBefore = (await gateway.gql(AUDIT_LOG, { first: 1 }, ADMIN_KEY)).data.auditLog.totalCount;
    for (let i = 0; i < 5; i += 1) {
      const back = await comeBack({ pidx, status: 'User canceled' });
      expect(back.status).toBe(302);
      expect(merchantParams(back.location!)).toMatchObject({ pidx, status: 'COMPLETED', paid: 'true', amount: '1300', purchase_order_id: input.purchaseOrderId });
    }
    expect(await upstreamRequests(gateway, 'lookup')).toBe(lookups);
    expect((await gateway.gql(AUDIT_LOG, { first: 1 }, ADMIN_KEY)).data.auditLog.totalCount).toBe(auditBefore);
  });

  it('20 concurrent returns share lookups, each answered by one that started after it arrived', async () => {
    const { pidx } = await initiated(gateway);
    const before = await upstreamRequests(gateway, 'lookup');
    // The first lookup is answered "Initiated" at once, but the answer is held back a while.
    await gateway.control('POST', '/faults', { route: 'lookup', kind: 'latency', phase: 'after', ms: 1000, count: 1 });
    const early = comeBack({ pidx });
    while ((await upstreamRequests(gateway, 'lookup')) === before) await new Promise((resolve) => setImmediate(resolve));
    // Meanwhile the buyer pays, and comes back (with 18 replays of the same URL).
    await gateway.control('POST', `/payments/${pidx}/complete`, {});
    const late = await Promise.all(Array.from({ length: 19 }, () => comeBack({ pidx })));
    expect(merchantParams((await early).location!)).toMatchObject({ status: 'INITIATED', paid: 'false' });
    for (const back of late) expect(merchantParams(back.location!)).toMatchObject({ pidx, status: 'COMPLETED', paid: 'true' });
    expect((await upstreamRequests(gateway, 'lookup')) - before).toBeLessThanOrEqual(2);
  });

  it('without MERCHANT_SECRET: amount but no ts or signature, and a returnUrl cannot smuggle in its own values', async () => {
    const { pidx, input } = await initiated(gateway, {
      returnUrl: 'https://shop.example.com/done?paid=true&amount=1&pidx=x&status=COMPLETED&purchase_order_id=y&ts=1&signature=abc&cart=42',
    });
    const back = await comeBack({ pidx });
    const location = new URL(back.location!);
    for (const key of ['pidx', 'status', 'purchase_order_id', 'paid', 'amount']) expect(location.searchParams.getAll(key)).toHaveLength(1);
    expect(merchantParams(back.location!)).toEqual({ pidx, status: 'INITIATED', purchase_order_id: input.purchaseOrderId, paid: 'false', amount: '1300', cart: '42' });
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

describe('signed return redirects (MERCHANT_SECRET)', () => {
  const SECRET = 'return-signing-secret-0123456789abcdef';
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startGateway({ MERCHANT_SECRET: SECRET, RATE_LIMIT_RETURN_PER_MINUTE: '0' });
  });
  afterAll(() => gateway.close());

  /** What a merchant computes: the recipe of DESIGN section 9, written out independently of src/. */
  const expectedSignature = (query: URLSearchParams, secret = SECRET) =>
    createHmac('sha256', secret)
      .update(['ts', 'pidx', 'purchase_order_id', 'status', 'paid', 'amount'].map((key) => query.get(key)).join('.'))
      .digest('hex');

  it('a buyer who paid comes back with a signature the merchant can recompute; a forged paid=true does not verify', async () => {
    // With MERCHANT_SECRET set, the merchant's backend (a server key) initiates without a token.
    const { pidx, paymentUrl, input } = await initiated(gateway, { returnUrl: 'https://shop.example.com/done?cart=42&paid=true&signature=0000' }, SERVER_KEY);
    const khaltiRedirect = await pay(onLoopback(paymentUrl, gateway.app.url));
    const back = await get(onLoopback(khaltiRedirect, gateway.app.url));
    expect(back.status).toBe(302);
    const query = new URL(back.location!).searchParams;
    expect(Object.fromEntries(query)).toMatchObject({ pidx, status: 'COMPLETED', paid: 'true', amount: '1300', purchase_order_id: input.purchaseOrderId, cart: '42' });
    for (const key of ['paid', 'signature', 'ts']) expect(query.getAll(key)).toHaveLength(1);
    const ts = Number(query.get('ts'));
    expect(Math.abs(ts - Date.now() / 1000)).toBeLessThan(300);
    expect(query.get('signature')).toMatch(/^[0-9a-f]{64}$/);
    expect(query.get('signature')).toBe(expectedSignature(query));
    expect(verifyReturn(SECRET, query)).toEqual({ valid: true });
    expect(verifyReturn(`${SECRET}-other`, query)).toEqual({ valid: false, reason: 'signature' });
    // The secret itself goes nowhere.
    expect(back.location).not.toContain(SECRET);
    expect(JSON.stringify((await gateway.gql(AUDIT_LOG, { first: 100 }, ADMIN_KEY)).data)).not.toContain(SECRET);
  });

  it('a buyer who did not pay cannot turn the redirect into paid=true', async () => {
    const { pidx } = await initiated(gateway, {}, SERVER_KEY);
    const back = await get(`${gateway.app.url}/khalti/return?${new URLSearchParams({ pidx, status: 'Completed' })}`);
    const query = new URL(back.location!).searchParams;
    expect(query.get('paid')).toBe('false');
    expect(verifyReturn(SECRET, query)).toEqual({ valid: true });
    const forged = new URLSearchParams(query);
    forged.set('paid', 'true');
    expect(forged.get('signature')).not.toBe(expectedSignature(forged));
    expect(verifyReturn(SECRET, forged)).toEqual({ valid: false, reason: 'signature' });
    const forgedStatus = new URLSearchParams(query);
    forgedStatus.set('status', 'COMPLETED');
    expect(verifyReturn(SECRET, forgedStatus)).toEqual({ valid: false, reason: 'signature' });
  });
});

describe('returns are rate-limited per client address (RATE_LIMIT_RETURN_PER_MINUTE)', () => {
  let gateway: TestGateway;
  let clock = new Date();
  beforeAll(async () => {
    gateway = await startGateway({ RATE_LIMIT_RETURN_PER_MINUTE: '3' }, { now: () => clock });
  });
  afterAll(() => gateway.close());

  it('over the limit: 429 with Retry-After, no lookup, no audit row, no database read; the bucket refills over the minute', async () => {
    const { pidx } = await initiated(gateway);
    const url = `${gateway.app.url}/khalti/return?pidx=${pidx}`;
    for (let i = 0; i < 3; i += 1) expect((await get(url)).status).toBe(302);
    const lookups = await upstreamRequests(gateway, 'lookup');
    const auditBefore = (await gateway.gql(AUDIT_LOG, { first: 1 }, ADMIN_KEY)).data.auditLog.totalCount;
    const reads = jest.spyOn(gateway.app.services.state, 'get');
    for (const target of [url, `${gateway.app.url}/khalti/return?pidx=NotOurs123`, `${gateway.app.url}/khalti/return`]) {
      const response = await request(target);
      const body = await response.body.text();
      expect(response.statusCode).toBe(429);
      expect(response.headers['retry-after']).toBe('20');
      expect(response.headers.location).toBeUndefined();
      expect(body).toContain('Too many requests');
    }
    expect(reads).not.toHaveBeenCalled();
    reads.mockRestore();
    expect(await upstreamRequests(gateway, 'lookup')).toBe(lookups);
    expect((await gateway.gql(AUDIT_LOG, { first: 1 }, ADMIN_KEY)).data.auditLog.totalCount).toBe(auditBefore);
    // A third of a minute later, one more request's worth has refilled.
    clock = new Date(clock.getTime() + 20_000);
    expect((await get(url)).status).toBe(302);
    expect((await get(url)).status).toBe(429);
  });

  it('ignores X-Forwarded-For: a client cannot pick a fresh address per request', async () => {
    clock = new Date(clock.getTime() + 60_000);
    const url = `${gateway.app.url}/khalti/return?pidx=NotOurs123`;
    const statuses: number[] = [];
    for (let i = 0; i < 5; i += 1) {
      const response = await request(url, { headers: { 'x-forwarded-for': `198.51.100.${i}`, 'x-real-ip': `198.51.100.${i}` } });
      await response.body.text();
      statuses.push(response.statusCode);
    }
    expect(statuses).toEqual([404, 404, 404, 429, 429]);
  });
});

describe('security audit rows for unknown or malformed pidx values are capped', () => {
  let gateway: TestGateway;
  let clock = new Date();
  beforeAll(async () => {
    gateway = await startGateway({ RATE_LIMIT_RETURN_PER_MINUTE: '0' }, { now: () => clock });
  });
  afterAll(() => gateway.close());

  const auditRows = async (first = 1) => (await gateway.gql(AUDIT_LOG, { first }, ADMIN_KEY)).data.auditLog;

  it('1000 garbage returns leave at most the cap of rows, then one summary row of what was dropped', async () => {
    const garbage = (i: number) =>
      [`pidx=Unknown${i}`, `pidx=${'%3C'.repeat(i % 50)}x`, `pidx=a&pidx=${i}`, '', `pidx=${'z'.repeat(65 + i)}`][i % 5]!;
    for (let batch = 0; batch < 1000; batch += 20) {
      const pages = await Promise.all(Array.from({ length: 20 }, (_, j) => get(`${gateway.app.url}/khalti/return?${garbage(batch + j)}`)));
      for (const page of pages) expect(page.status).toBe(404);
    }
    const capped = await auditRows(100);
    expect(capped.totalCount).toBe(DEFAULT_SECURITY_ROWS_PER_MINUTE);
    expect(capped.edges.every((edge: any) => edge.node.kind === 'security')).toBe(true);
    expect(gateway.logs.filter((line) => line.includes('security events this minute'))).toHaveLength(1);
    // The next minute: the count of what was dropped, in one row, before the new event's own row.
    clock = new Date(clock.getTime() + 60_000);
    await get(`${gateway.app.url}/khalti/return?pidx=AfterTheFlood`);
    const after = await auditRows(2);
    expect(after.totalCount).toBe(DEFAULT_SECURITY_ROWS_PER_MINUTE + 2);
    const [own, summary] = after.edges.map((edge: any) => edge.node);
    expect(own).toMatchObject({ kind: 'security', operation: 'return_unknown_pidx' });
    expect(summary).toMatchObject({ kind: 'security', operation: 'security_events_suppressed' });
    const dropped = JSON.parse(summary.detail).suppressed as Record<string, number>;
    expect(Object.values(dropped).reduce((sum, n) => sum + n, 0)).toBe(1000 - DEFAULT_SECURITY_ROWS_PER_MINUTE);
  });
});
