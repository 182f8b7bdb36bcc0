/**
 * An emulator given a state folder, stopped and started again on it (a new process would do the
 * same): every payment it handed out still answers lookup, its payment page still works and
 * completes it, refunds find it by transaction id, and the legacy status call still knows it.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openEmulatorState } from '../../../src/sandbox/emulator';
import { startHarness, type Harness, type Reply } from './helpers';

describe('an emulator restarted on its state folder', () => {
  let dir: string;
  let folder: string;
  let h: Harness | undefined;
  const start = async () => (h = await startHarness({ state: openEmulatorState(folder) }));

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'emulator-restart-'));
    folder = join(dir, 'emulator');
  });
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const refundPath = (id: string) => `/api/merchant-transaction/${id}/refund/`;
  const sessionOf = (reply: Reply) => /name="session" value="([^"]+)"/.exec(reply.text)![1]!;
  /** The path and query of a payment_url, on whichever port this run listens. */
  const pagePath = (paymentUrl: string) => {
    const url = new URL(paymentUrl);
    return `${url.pathname.replace(/^\/sandbox/, '')}${url.search}`;
  };

  let unpaid: { pidx: string; payment_url: string };
  let paid: { pidx: string; txn: string };
  let halfLoggedIn: string;

  it('first run: hands out payments, one paid on the page, one half-way through logging in', async () => {
    const first = await start();
    unpaid = await first.initiate({ amount: 5000, merchant_order: 'A-1' });
    const toPay = await first.initiate({ amount: 30000, modes: ['MOBILE_BANKING'] });
    const login = await first.call('POST', '/pay/login', { form: { pidx: toPay.pidx, khalti_id: '9800000003', mpin: '1111' }, auth: null });
    const confirm = await first.call('POST', '/pay/confirm', { form: { pidx: toPay.pidx, session: sessionOf(login), otp: '987654' }, auth: null });
    expect(confirm.status).toBe(302);
    paid = { pidx: toPay.pidx, txn: (await first.lookup(toPay.pidx)).json.transaction_id };
    const third = await first.initiate();
    halfLoggedIn = sessionOf(await first.call('POST', '/pay/login', { form: { pidx: third.pidx, khalti_id: '9800000001', mpin: '1111' }, auth: null }));
    expect(readdirSync(folder).sort()).toEqual([unpaid.pidx, toPay.pidx, third.pidx].map((pidx) => `${pidx}.json`).sort());
  });

  it('second run: lookup answers as before, for every payment', async () => {
    const second = await start();
    const lookup = await second.lookup(unpaid.pidx);
    expect(lookup.status).toBe(200);
    expect(lookup.json).toEqual({ pidx: unpaid.pidx, total_amount: 5000, status: 'Initiated', transaction_id: null, fee: 0, refunded: false });
    expect((await second.lookup(paid.pidx)).json).toMatchObject({ status: 'Completed', transaction_id: paid.txn });
    expect(second.emulator.controls.payments()).toHaveLength(3);
  });

  it('the payment page of a payment from before the restart renders and completes it', async () => {
    const run = await start();
    const page = await run.get(pagePath(unpaid.payment_url), { auth: null });
    expect(page.status).toBe(200);
    expect(page.text).toContain('Rs. 50.00');
    const login = await run.call('POST', '/pay/login', { form: { pidx: unpaid.pidx, khalti_id: '9800000002', mpin: '1111' }, auth: null });
    const confirm = await run.call('POST', '/pay/confirm', { form: { pidx: unpaid.pidx, session: sessionOf(login), otp: '987654' }, auth: null });
    expect(confirm.status).toBe(302);
    const back = new URL(confirm.headers.location as string);
    expect(back.searchParams.get('status')).toBe('Completed');
    // merchant_* keys given at initiate, before the restart, still come back on the redirect.
    expect(back.searchParams.get('merchant_order')).toBe('A-1');
    expect((await run.lookup(unpaid.pidx)).json.status).toBe('Completed');
  });

  it('refunds after a restart find payments paid before it and after it', async () => {
    const run = await start();
    const wallet = (await run.lookup(unpaid.pidx)).json.transaction_id as string;
    expect((await run.post(refundPath(wallet), { amount: 2000 })).status).toBe(200);
    expect((await run.post(refundPath(paid.txn), { mobile: '9800000003' })).status).toBe(200);
    expect((await run.lookup(unpaid.pidx)).json).toMatchObject({ status: 'Partially Refunded', refunded: true });
    expect((await run.lookup(paid.pidx)).json).toMatchObject({ status: 'Refunded', refunded: true });
    const legacy = await run.get(`/api/v2/payment/status/?token=${paid.txn}&amount=30000`);
    expect(legacy.json).toEqual({ status: false, state: 'Refunded', detail: 'Transaciton refunded.' });
  });

  it('a login session does not survive a restart: the buyer logs in again', async () => {
    const run = await start();
    const third = run.emulator.controls.payments().find((p) => p.status === 'Initiated')!;
    const confirm = await run.call('POST', '/pay/confirm', { form: { pidx: third.pidx, session: halfLoggedIn, otp: '987654' }, auth: null });
    expect(confirm.status).toBe(400);
    expect(confirm.text).toContain('Your login session has ended');
  });

  it('the reset control empties the folder: the next run knows nothing', async () => {
    const run = await start();
    expect((await run.post('/__control/reset', undefined, { auth: null })).status).toBe(204);
    expect(readdirSync(folder)).toEqual([]);
    await run.close();
    h = undefined;
    const next = await start();
    expect((await next.lookup(paid.pidx)).status).toBe(404);
  });
});
