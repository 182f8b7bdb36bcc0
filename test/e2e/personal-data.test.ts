/**
 * A buyer's personal data (issue 7, point 9), over real HTTP against the embedded emulator: name,
 * email and phone from customerInfo, and a bank refund's mobile, are kept in the payment and
 * refund rows only; no audit row holds them (read through the API and straight from SQLite);
 * erasePersonalData (admin) removes them for good, so that no file the database wrote holds
 * their bytes afterwards, and leaves an audit row saying so.
 */
import { ADMIN_KEY, CLIENT_KEY, startGateway, type TestGateway } from '../support/gateway';
import { AUDIT_LOG, VERIFY } from '../support/operations';
import { initiated } from '../support/payments';
import { filesContaining } from '../support/database-files';
import { queryRows, sqliteOf } from '../support/database';
import { TEST_ENGINE } from '../support/engine';

/** The files SQLite writes are looked into on SQLite; PostgreSQL's are the server's, not this test's. */
const onSqlite = TEST_ENGINE === 'sqlite';

const ERASE = /* GraphQL */ `
  mutation ($pidx: ID!) {
    erasePersonalData(pidx: $pidx) { pidx status refundedAmount personalDataErasedAt refunds { id mobile state } }
  }
`;
const REFUND = /* GraphQL */ `
  mutation ($input: RefundInput!) {
    refund(input: $input) { refund { id mobile state } userErrors { field code message } }
  }
`;

describe("a buyer's personal data", () => {
  let gateway: TestGateway;
  // Values found nowhere else in the database, so a byte search for them means what it says.
  const buyer = { name: 'Sita Kumari Tamang', email: 'sita.tamang@example.org', phone: '9812345678' };
  const refundMobile = '9807654321';
  const personal = [buyer.name, buyer.email, buyer.phone, refundMobile];
  let pidx: string;
  let purchaseOrderId: string;

  beforeAll(async () => {
    gateway = await startGateway();
    // A bank payment (mobile banking only), so that Khalti's refund needs the payer's mobile.
    const payment = await initiated(gateway, { customerInfo: buyer, amount: 20000, amountBreakdown: null, modes: ['MOBILE_BANKING'] });
    pidx = payment.pidx;
    purchaseOrderId = payment.input.purchaseOrderId as string;
    // Other buyers' payments fill the table's pages, so that ours growing as it is completed and
    // refunded moves between pages: the old copies SQLite leaves in free space must go as well.
    for (let i = 0; i < 40; i++) await initiated(gateway, { customerInfo: { name: `Other Buyer ${i}`, email: `other${i}@example.org` } });
    await gateway.control('POST', `/payments/${pidx}/complete`, {});
    expect((await gateway.gql(VERIFY, { pidx }, CLIENT_KEY)).data.verifyPayment.status).toBe('COMPLETED');
    const refunded = await gateway.gql(REFUND, { input: { pidx, amount: 5000, mobile: refundMobile } }, ADMIN_KEY);
    expect(refunded.data.refund).toMatchObject({ userErrors: [], refund: { mobile: refundMobile, state: 'SUCCEEDED' } });
  });
  afterAll(() => gateway.close());

  const readRows = (query: string, ...params: unknown[]) => queryRows(gateway.app.database, query, ...params);

  it('is kept in the payment and refund rows, and in no audit row (through the API and in SQLite itself)', async () => {
    expect(await readRows('SELECT customer_name, customer_email, customer_phone FROM payments WHERE pidx = ?', pidx)).toEqual([
      { customer_name: buyer.name, customer_email: buyer.email, customer_phone: buyer.phone },
    ]);
    expect(await readRows('SELECT mobile FROM refunds WHERE pidx = ?', pidx)).toEqual([{ mobile: refundMobile }]);

    const api = await gateway.gql(AUDIT_LOG, { first: 100 }, ADMIN_KEY);
    const rows = api.data.auditLog.edges.map((edge: any) => edge.node);
    expect(rows.length).toBeGreaterThan(5);
    const stored = await readRows('SELECT * FROM audit_log');
    expect(stored.length).toBe(api.data.auditLog.totalCount);
    for (const text of [JSON.stringify(rows), JSON.stringify(stored)]) {
      for (const value of personal) expect(text).not.toContain(value);
    }
    // Redacted, not merely absent: the upstream request copies say where the data was.
    const initiate = rows.find((row: any) => row.kind === 'upstream' && row.operation === 'initiate' && row.pidx === pidx);
    expect(JSON.parse(initiate.detail).request).toMatchObject({ customer_info: '[PERSONAL DATA]', purchase_order_id: purchaseOrderId });
    const refund = rows.find((row: any) => row.kind === 'upstream' && row.operation === 'refund' && row.pidx === pidx);
    expect(JSON.parse(refund.detail).request).toEqual({ mobile: '[PERSONAL DATA]', amount: 5000 });
  });

  it('can only be erased by an admin key', async () => {
    const denied = await gateway.gql(ERASE, { pidx }, CLIENT_KEY);
    expect(denied.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(await readRows('SELECT customer_email FROM payments WHERE pidx = ?', pidx)).toEqual([{ customer_email: buyer.email }]);
    expect(await readRows("SELECT id FROM audit_log WHERE kind = 'privacy'")).toEqual([]);
  });

  it('is erased for good: gone from every file the database wrote, with an audit row saying so', async () => {
    // The search can fail: before the erasure it finds the data (in the -wal file at least).
    if (onSqlite) for (const value of personal) expect(filesContaining(gateway.dir, value)).not.toEqual([]);

    const erased = await gateway.gql(ERASE, { pidx }, ADMIN_KEY);
    expect(erased.errors).toBeUndefined();
    expect(erased.data.erasePersonalData).toMatchObject({ pidx, status: 'PARTIALLY_REFUNDED', refundedAmount: 5000 });
    expect(erased.data.erasePersonalData.refunds).toEqual([expect.objectContaining({ mobile: null, state: 'SUCCEEDED' })]);
    const erasedAt = erased.data.erasePersonalData.personalDataErasedAt;
    expect(Date.parse(erasedAt)).not.toBeNaN();

    expect(await readRows('SELECT customer_name, customer_email, customer_phone FROM payments WHERE pidx = ?', pidx)).toEqual([
      { customer_name: null, customer_email: null, customer_phone: null },
    ]);
    expect(await readRows('SELECT mobile FROM refunds WHERE pidx = ?', pidx)).toEqual([{ mobile: null }]);
    // The request fingerprints were hashes of these values (a hashed 10-digit mobile is the mobile): gone too.
    expect(await readRows('SELECT request_fingerprint AS f FROM payments WHERE pidx = ?', pidx)).toEqual([{ f: 'erased' }]);
    expect(await readRows('SELECT request_fingerprint AS f FROM initiations WHERE pidx = ?', pidx)).toEqual([{ f: 'erased' }]);
    expect(await readRows('SELECT request_fingerprint AS f FROM refunds WHERE pidx = ?', pidx)).toEqual([{ f: 'erased' }]);
    // Deleted content is zeroed in the pages, not left in free space.
    if (onSqlite) expect(sqliteOf(gateway.app.database).pragma('secure_delete', { simple: true })).toBe(1);
    if (onSqlite) for (const value of personal) expect(filesContaining(gateway.dir, value)).toEqual([]);
    // The rest of the record is untouched, and still readable in those files.
    if (onSqlite) expect(filesContaining(gateway.dir, purchaseOrderId)).not.toEqual([]);

    const audit = await gateway.gql(AUDIT_LOG, { pidx, first: 100 }, ADMIN_KEY);
    const privacy = audit.data.auditLog.edges.map((edge: any) => edge.node).filter((row: any) => row.kind === 'privacy');
    expect(privacy).toHaveLength(1);
    expect(privacy[0]).toMatchObject({ operation: 'personal_data_erased', pidx, actor: expect.stringMatching(/^key_[0-9a-f]{12}$/) });
    expect(JSON.parse(privacy[0].detail)).toEqual({ customerFields: ['name', 'email', 'phone'], refundMobiles: 1 });
    for (const value of personal) expect(privacy[0].detail).not.toContain(value);
  });

  it('erasing again changes nothing unless something personal was recorded since; an unknown pidx is null', async () => {
    const first = await readRows('SELECT personal_data_erased_at AS at, version FROM payments WHERE pidx = ?', pidx);
    const again = await gateway.gql(ERASE, { pidx }, ADMIN_KEY);
    expect(again.errors).toBeUndefined();
    expect(again.data.erasePersonalData.pidx).toBe(pidx);
    expect(await readRows('SELECT personal_data_erased_at AS at, version FROM payments WHERE pidx = ?', pidx)).toEqual(first);
    expect(await readRows("SELECT id FROM audit_log WHERE kind = 'privacy'")).toHaveLength(1);

    // Personal data recorded after the erasure (a later bank refund's mobile) is erased by the next call, with a row of its own.
    const laterMobile = '9801112223';
    const refunded = await gateway.gql(REFUND, { input: { pidx, amount: 1000, mobile: laterMobile } }, ADMIN_KEY);
    expect(refunded.data.refund).toMatchObject({ userErrors: [], refund: { mobile: laterMobile, state: 'SUCCEEDED' } });
    const third = await gateway.gql(ERASE, { pidx }, ADMIN_KEY);
    expect(third.data.erasePersonalData.refunds.map((refund: any) => refund.mobile)).toEqual([null, null]);
    if (onSqlite) expect(filesContaining(gateway.dir, laterMobile)).toEqual([]);
    const rows = await readRows("SELECT detail FROM audit_log WHERE kind = 'privacy' ORDER BY id");
    expect(rows).toHaveLength(2);
    expect(JSON.parse(rows[1]!.detail as string)).toEqual({ customerFields: [], refundMobiles: 1, previouslyErasedAt: expect.any(String) });

    const unknown = await gateway.gql(ERASE, { pidx: 'NoSuchPidx0000000000000' }, ADMIN_KEY);
    expect(unknown.errors).toBeUndefined();
    expect(unknown.data.erasePersonalData).toBeNull();
  });
});
