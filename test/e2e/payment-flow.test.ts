/**
 * The product end to end, over real HTTP and WebSocket: initiate, pay on the emulator's page, the
 * buyer's redirect through /khalti/return, the subscription event, paid, partial then full
 * refund, and the audit trail of every step. Keys appear in no response, log line or audit row.
 */
import { EMULATOR_DEFAULT_SECRET_KEY } from '../../src/sandbox/emulator.defaults';
import { get, onLoopback, openPaymentPage, pay } from '../support/buyer';
import { ADMIN_KEY, CLIENT_KEY, startGateway, type TestGateway } from '../support/gateway';
import { AUDIT_LOG, INITIATE, PAYMENT, REFUND, STATUS_CHANGED, orderInput } from '../support/operations';
import { databaseFolderFiles, filesContaining } from '../support/database-files';
import { connected, subscribe } from '../support/subscriptions';
import { queryRows } from '../support/database';
import { TEST_ENGINE } from '../support/engine';

describe('a payment from initiate to full refund', () => {
  let gateway: TestGateway;
  const responses: string[] = [];
  let purchaseOrderId: string | undefined;

  beforeAll(async () => {
    gateway = await startGateway();
  });
  afterAll(async () => {
    if (process.env.DEBUG_GATEWAY) console.log(gateway.logs.join('\n'));
    await gateway.close();
  });

  const gql = async (query: string, variables: Record<string, unknown>, key: string | null = CLIENT_KEY) => {
    const result = await gateway.gql(query, variables, key);
    responses.push(JSON.stringify(result));
    return result;
  };

  it('takes the payment, tells the subscriber once, redirects the buyer with verified values, and refunds it', async () => {
    const input = orderInput();
    purchaseOrderId = input.purchaseOrderId as string;
    const initiated = await gql(INITIATE, { input });
    expect(initiated.errors).toBeUndefined();
    const { payment, paymentUrl, userErrors } = initiated.data.initiatePayment;
    expect(userErrors).toEqual([]);
    expect(payment).toMatchObject({ status: 'INITIATED', amount: 1300, paid: false, returnUrl: input.returnUrl });
    expect(paymentUrl).toBe(payment.paymentUrl);
    expect(paymentUrl.startsWith(`${gateway.app.publicUrl}/sandbox/pay?pidx=`)).toBe(true);
    const pidx: string = payment.pidx;

    const events = subscribe(gateway.app.url, CLIENT_KEY, STATUS_CHANGED, { pidx });
    await connected(events.client);

    // The buyer pays on the emulator's page; Khalti's redirect goes to the gateway, never to the merchant directly.
    const page = await openPaymentPage(onLoopback(paymentUrl, gateway.app.url));
    expect(page.status).toBe(200);
    expect(page.body).toContain('Rs. 13.00');
    const khaltiRedirect = new URL(await pay(onLoopback(paymentUrl, gateway.app.url)));
    expect(`${khaltiRedirect.origin}${khaltiRedirect.pathname}`).toBe(`${gateway.app.publicUrl}/khalti/return`);
    expect(khaltiRedirect.searchParams.get('status')).toBe('Completed');

    const back = await get(onLoopback(khaltiRedirect.toString(), gateway.app.url));
    expect(back.status).toBe(302);
    const merchant = new URL(back.location!);
    expect(`${merchant.origin}${merchant.pathname}`).toBe('https://shop.example.com/checkout/done');
    expect(Object.fromEntries(merchant.searchParams)).toEqual({
      cart: '42',
      pidx,
      status: 'COMPLETED',
      purchase_order_id: input.purchaseOrderId,
      paid: 'true',
      amount: '1300',
    });

    const [completed] = await events.waitFor(1);
    expect(completed!.paymentStatusChanged).toMatchObject({
      pidx,
      previousStatus: 'INITIATED',
      status: 'COMPLETED',
      source: 'CALLBACK',
      payment: { paid: true, totalAmount: 1300, status: 'COMPLETED' },
    });

    const read = await gql(PAYMENT, { pidx });
    expect(read.data.payment).toMatchObject({ status: 'COMPLETED', paid: true, totalAmount: 1300, amountMismatch: false, refundedAmount: 0 });
    expect(read.data.payment.transactionId).toEqual(expect.any(String));

    // A client key may not refund.
    const forbidden = await gql(REFUND, { input: { pidx, amount: 300 } });
    expect(forbidden.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');

    const partial = await gql(REFUND, { input: { pidx, amount: 300 } }, ADMIN_KEY);
    expect(partial.data.refund.userErrors).toEqual([]);
    expect(partial.data.refund.refund).toMatchObject({ amount: 300, state: 'SUCCEEDED' });
    expect(partial.data.refund.payment).toMatchObject({ status: 'PARTIALLY_REFUNDED', refundedAmount: 300, refunded: true });

    const rest = await gql(REFUND, { input: { pidx } }, ADMIN_KEY);
    expect(rest.data.refund.userErrors).toEqual([]);
    expect(rest.data.refund.refund).toMatchObject({ amount: 1000, state: 'SUCCEEDED' });
    expect(rest.data.refund.payment).toMatchObject({ status: 'REFUNDED', refundedAmount: 1300 });

    const nothingLeft = await gql(REFUND, { input: { pidx, amount: 1 } }, ADMIN_KEY);
    expect(nothingLeft.data.refund.userErrors).toMatchObject([{ code: 'NOT_REFUNDABLE', field: ['input', 'pidx'] }]);

    const all = await events.waitFor(3);
    expect(all.map((event: any) => [event.paymentStatusChanged.previousStatus, event.paymentStatusChanged.status, event.paymentStatusChanged.source])).toEqual([
      ['INITIATED', 'COMPLETED', 'CALLBACK'],
      ['COMPLETED', 'PARTIALLY_REFUNDED', 'REFUND'],
      ['PARTIALLY_REFUNDED', 'REFUNDED', 'REFUND'],
    ]);
    await events.dispose();

    // The audit trail: every upstream call and each of the four status changes, once.
    const audit = await gql(AUDIT_LOG, { pidx, first: 100 }, ADMIN_KEY);
    const rows = audit.data.auditLog.edges.map((edge: any) => edge.node).reverse();
    const changes = rows.filter((row: any) => row.kind === 'status_change').map((row: any) => [row.operation, JSON.parse(row.detail).to]);
    expect(changes).toEqual([
      ['initiate', 'INITIATED'],
      ['callback', 'COMPLETED'],
      ['refund', 'PARTIALLY_REFUNDED'],
      ['refund', 'REFUNDED'],
    ]);
    const upstream = rows.filter((row: any) => row.kind === 'upstream').map((row: any) => row.operation);
    expect(upstream[0]).toBe('initiate');
    expect(upstream.filter((operation: string) => operation === 'refund')).toHaveLength(2);
    expect(upstream).toContain('lookup');
    for (const row of rows.filter((row: any) => row.kind === 'upstream')) {
      expect(row.httpStatus).toBe(200);
      expect(row.durationMs).toEqual(expect.any(Number));
    }
    const refundSteps = rows.filter((row: any) => row.kind === 'refund').map((row: any) => row.operation);
    expect(refundSteps).toEqual(['refund_requested', 'refund_succeeded', 'refund_requested', 'refund_succeeded']);
    const initiateCall = rows.find((row: any) => row.kind === 'upstream' && row.operation === 'initiate');
    expect(initiateCall.actor).toMatch(/^key_[0-9a-f]{12}$/);

    // A client key may not read the audit log.
    const denied = await gql(AUDIT_LOG, { pidx }, CLIENT_KEY);
    expect(denied.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('never lets a secret or API key reach a response, a log line or any file the database wrote', async () => {
    // Every file in the database's folder: in WAL mode the rows live in the -wal file until a
    // checkpoint, so the main file alone is not where the data is.
    // (On PostgreSQL the files are the server's: every row of every table is read instead, on both.)
    const files = databaseFolderFiles(gateway.dir);
    if (TEST_ENGINE === 'sqlite') expect(files.map((file) => file.name)).toEqual(expect.arrayContaining(['gateway.sqlite', 'gateway.sqlite-wal']));
    const tables = await Promise.all(['payments', 'refunds', 'initiations', 'audit_log'].map((table) => queryRows(gateway.app.database, `SELECT * FROM ${table}`)));
    const everything = [responses.join('\n'), gateway.logs.join('\n'), JSON.stringify(tables), ...files.map((file) => file.bytes.toString('latin1'))];
    for (const text of everything) {
      for (const secret of [EMULATOR_DEFAULT_SECRET_KEY, ADMIN_KEY, CLIENT_KEY]) expect(text).not.toContain(secret);
    }
    expect(responses.length).toBeGreaterThan(5);
    // The search can fail: it finds a value known to be in a row (the order id of the payment above).
    expect(purchaseOrderId).toBeDefined();
    if (TEST_ENGINE === 'sqlite') expect(filesContaining(gateway.dir, purchaseOrderId!)).not.toEqual([]);
    expect(JSON.stringify(tables)).toContain(purchaseOrderId!);
  });
});
