import { FakeClock, startHarness, type Harness, type Reply } from './helpers';

const clock = new FakeClock();
let h: Harness;
beforeAll(async () => {
  h = await startHarness({ now: clock.now });
});
afterAll(() => h.close());

const login = (pidx: string, khaltiId: string, mpin: string) =>
  h.call('POST', '/pay/login', { form: { pidx, khalti_id: khaltiId, mpin }, auth: null });
const confirm = (pidx: string, session: string, otp: string) =>
  h.call('POST', '/pay/confirm', { form: { pidx, session, otp }, auth: null });
const cancel = (pidx: string) => h.call('POST', '/pay/cancel', { form: { pidx }, auth: null });
const page = (pidx: string) => h.get(`/pay?pidx=${encodeURIComponent(pidx)}`, { auth: null });

function sessionOf(reply: Reply): string {
  const match = /name="session" value="([^"]+)"/.exec(reply.text);
  if (!match) throw new Error(`no session in page: ${reply.text}`);
  return match[1]!;
}

async function loggedIn(overrides: Record<string, unknown> = {}, khaltiId = '9800000004') {
  const p = await h.initiate(overrides);
  const r = await login(p.pidx, khaltiId, '1111');
  expect(r.status).toBe(200);
  return { pidx: p.pidx, session: sessionOf(r) };
}

describe('the page', () => {
  it('shows the order name, the amount in rupees, the login form, Cancel, and the test credentials', async () => {
    const p = await h.initiate({ amount: 130000, purchase_order_name: 'Khalti logo T-shirt', purchase_order_id: 'ORD-1042' });
    expect(p.payment_url.startsWith(h.root)).toBe(true);
    const r = await h.get(p.payment_url.slice(h.root.length), { auth: null });
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toMatch(/^text\/html/);
    expect(r.text).toContain('Khalti logo T-shirt');
    expect(r.text).toContain('Rs. 1,300.00');
    expect(r.text).toContain('ORD-1042');
    expect(r.text).toContain('action="/sandbox/pay/login"');
    expect(r.text).toContain('name="khalti_id"');
    expect(r.text).toContain('name="mpin"');
    expect(r.text).toContain('action="/sandbox/pay/cancel"');
    for (const hint of ['9800000000', '9800000005', '1111', '987654']) expect(r.text).toContain(hint);
    expect(r.text).not.toMatch(/<script|https?:\/\/(?!merchant\.example\.com)[^"]*\.(css|js)/);
  });

  it('an unknown pidx is a 404 page', async () => {
    const r = await page('NoSuchPidx');
    expect(r.status).toBe(404);
    expect(r.text).toContain('Payment not found');
    expect((await login('NoSuchPidx', '9800000004', '1111')).status).toBe(404);
  });

  it('escapes a hostile purchase_order_name and purchase_order_id everywhere', async () => {
    const evil = `<script>alert("x")</script><img src=x onerror='y'>&`;
    const p = await h.initiate({ purchase_order_name: evil, purchase_order_id: `"><b>id` });
    for (const r of [await page(p.pidx), await login(p.pidx, '9800000004', '1111'), await login(p.pidx, '98', '1')]) {
      expect(r.text).not.toContain('<script>alert');
      expect(r.text).not.toContain('<img src=x');
      expect(r.text).not.toContain('"><b>id');
      expect(r.text).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;img src=x onerror=&#39;y&#39;&gt;&amp;');
    }
    const typed = await login(p.pidx, '"><svg onload=1>', '1111');
    expect(typed.text).not.toContain('<svg onload');
    expect(typed.headers['content-security-policy']).toContain("default-src 'none'");
  });
});

describe('logging in', () => {
  it('refuses an unknown Khalti ID with a message (not counted against the MPIN limit)', async () => {
    const p = await h.initiate();
    for (let i = 0; i < 4; i++) {
      const r = await login(p.pidx, '9811111111', '1111');
      expect(r.status).toBe(400);
      expect(r.text).toContain('No Khalti account uses this Khalti ID');
      expect(r.text).not.toContain('name="session"');
    }
    expect(h.emulator.controls.payment(p.pidx)!.locked).toBe(false);
  });

  it('refuses a wrong MPIN with the attempts left, then locks the payment', async () => {
    const p = await h.initiate({ ttl: 600 });
    let r = await login(p.pidx, '9800000001', '0000');
    expect(r.status).toBe(400);
    expect(r.text).toContain('Incorrect MPIN. 2 attempts left');
    r = await login(p.pidx, '9800000001', '2222');
    expect(r.text).toContain('Incorrect MPIN. 1 attempt left');
    r = await login(p.pidx, '9800000001', '3333');
    expect(r.status).toBe(423);
    expect(r.text).toContain('This payment is locked');

    // Locked: even the right MPIN is refused, and the page says so.
    r = await login(p.pidx, '9800000001', '1111');
    expect(r.status).toBe(423);
    expect(r.text).not.toContain('name="session"');
    expect((await page(p.pidx)).status).toBe(423);
    expect((await cancel(p.pidx)).status).toBe(423);

    // Lookup still reports Initiated, until the link expires.
    expect((await h.lookup(p.pidx)).json.status).toBe('Initiated');
    clock.advance(600_000);
    expect((await h.lookup(p.pidx)).json.status).toBe('Expired');
  });

  it('a correct MPIN resets the count of wrong ones', async () => {
    const p = await h.initiate();
    await login(p.pidx, '9800000001', '0000');
    await login(p.pidx, '9800000001', '0000');
    expect((await login(p.pidx, '9800000001', '1111')).status).toBe(200);
    expect((await login(p.pidx, '9800000001', '0000')).text).toContain('2 attempts left');
  });

  it('a correct login shows the OTP step with a hidden session token', async () => {
    const p = await h.initiate();
    const r = await login(p.pidx, '9800000004', '1111');
    expect(r.status).toBe(200);
    expect(r.text).toContain('name="otp"');
    expect(r.text).toContain('action="/sandbox/pay/confirm"');
    expect(r.text).toContain('98XXXXX004');
    expect(sessionOf(r)).toMatch(/^[A-Za-z0-9]{32}$/);
  });
});

describe('paying', () => {
  it('a wrong OTP is refused with a message; the session survives', async () => {
    const { pidx, session } = await loggedIn();
    const r = await confirm(pidx, session, '123456');
    expect(r.status).toBe(400);
    expect(r.text).toContain('Incorrect OTP');
    expect(sessionOf(r)).toBe(session);
    expect((await h.lookup(pidx)).json.status).toBe('Initiated');
  });

  it('the right OTP completes the payment and redirects with exactly Khalti\'s callback parameters', async () => {
    const { pidx, session } = await loggedIn({ amount: 1000, purchase_order_id: 'test12', purchase_order_name: 'test' });
    const r = await confirm(pidx, session, '987654');
    expect(r.status).toBe(302);
    const url = new URL(r.headers.location as string);
    expect(url.origin + url.pathname).toBe('https://merchant.example.com/khalti/return');

    const txn = h.emulator.controls.payment(pidx)!.transactionId!;
    expect([...url.searchParams.entries()]).toEqual([
      ['pidx', pidx],
      ['txnId', txn],
      ['amount', '1000'],
      ['total_amount', '1000'],
      ['status', 'Completed'],
      ['mobile', '98XXXXX004'],
      ['tidx', txn],
      ['purchase_order_id', 'test12'],
      ['purchase_order_name', 'test'],
      ['transaction_id', txn],
    ]);
    const l = await h.lookup(pidx);
    expect(l.json).toMatchObject({ status: 'Completed', transaction_id: txn });
    expect(h.emulator.controls.payment(pidx)!.mobile).toBe('9800000004');
  });

  it('appends merchant_* extras, and keeps an existing query string and fragment', async () => {
    const { pidx, session } = await loggedIn({
      return_url: 'https://shop.example.com/back?order=7&lang=ne#done',
      merchant_username: 'shop owner',
      merchant_extra: 'a&b=c',
    });
    const r = await confirm(pidx, session, '987654');
    const location = r.headers.location as string;
    expect(location.startsWith(`https://shop.example.com/back?order=7&lang=ne&pidx=${pidx}&txnId=`)).toBe(true);
    expect(location.endsWith('#done')).toBe(true);
    const params = new URL(location).searchParams;
    expect(params.get('order')).toBe('7');
    expect(params.get('merchant_username')).toBe('shop owner');
    expect(params.get('merchant_extra')).toBe('a&b=c');
    expect([...params.keys()].slice(-2)).toEqual(['merchant_username', 'merchant_extra']);
  });

  it('encodes hostile values in the redirect', async () => {
    const { pidx, session } = await loggedIn({ purchase_order_name: 'a&status=Completed#x y' });
    const r = await confirm(pidx, session, '987654');
    const params = new URL(r.headers.location as string).searchParams;
    expect(params.getAll('status')).toEqual(['Completed']);
    expect(params.get('purchase_order_name')).toBe('a&status=Completed#x y');
  });

  it('a finished payment cannot be paid again, nor its OTP form replayed', async () => {
    const { pidx, session } = await loggedIn();
    expect((await confirm(pidx, session, '987654')).status).toBe(302);
    const again = await confirm(pidx, session, '987654');
    expect(again.status).toBe(409);
    expect(again.text).toContain('already been completed');
    expect((await page(pidx)).status).toBe(409);
    expect((await login(pidx, '9800000004', '1111')).status).toBe(409);
  });

  it('a forged or foreign session token is refused', async () => {
    const a = await loggedIn();
    const b = await loggedIn();
    for (const token of ['forged', b.session]) {
      const r = await confirm(a.pidx, token, '987654');
      expect(r.status).toBe(400);
      expect(r.text).toContain('session has ended');
    }
    expect((await h.lookup(a.pidx)).json.status).toBe('Initiated');
  });

  it('an expired payment shows a clear page at every step, not an error', async () => {
    const { pidx, session } = await loggedIn({ ttl: 60 });
    clock.advance(60_000);
    for (const r of [await page(pidx), await confirm(pidx, session, '987654'), await login(pidx, '9800000004', '1111')]) {
      expect(r.status).toBe(410);
      expect(r.text).toContain('expired');
      expect(r.text).toContain('href="https://merchant.example.com/"');
    }
    expect((await h.lookup(pidx)).json.status).toBe('Expired');
  });

  it('a pending payment is not payable', async () => {
    const p = await h.initiate();
    h.emulator.controls.pending(p.pidx);
    const r = await page(p.pidx);
    expect(r.status).toBe(409);
    expect(r.text).toContain('being processed');
  });
});

describe('canceling', () => {
  it('cancels and redirects with Khalti\'s cancel shape', async () => {
    const p = await h.initiate({ amount: 1000, purchase_order_id: 'test12', purchase_order_name: 'test' });
    const r = await cancel(p.pidx);
    expect(r.status).toBe(302);
    const location = r.headers.location as string;
    const url = new URL(location);
    expect([...url.searchParams.entries()]).toEqual([
      ['pidx', p.pidx],
      ['transaction_id', ''],
      ['tidx', ''],
      ['amount', '1000'],
      ['total_amount', '1000'],
      ['mobile', ''],
      ['status', 'User canceled'],
      ['purchase_order_id', 'test12'],
      ['purchase_order_name', 'test'],
    ]);
    expect(location).toContain('status=User%20canceled');

    const l = await h.lookup(p.pidx);
    expect(l.status).toBe(400);
    expect(l.json.status).toBe('User canceled');
    const again = await page(p.pidx);
    expect(again.status).toBe(409);
    expect(again.text).toContain('canceled');
  });

  it('works from the OTP step too, and ends the session', async () => {
    const { pidx, session } = await loggedIn({ return_url: 'http://localhost:4000/khalti/return?x=1' });
    const r = await cancel(pidx);
    expect(r.status).toBe(302);
    expect((r.headers.location as string).startsWith(`http://localhost:4000/khalti/return?x=1&pidx=${pidx}&transaction_id=&tidx=&`)).toBe(true);
    expect((await confirm(pidx, session, '987654')).status).toBe(409);
    expect((await h.lookup(pidx)).json.status).toBe('User canceled');
  });
});

it('the emulator root shows an index page', async () => {
  const r = await h.get('/', { auth: null });
  expect(r.status).toBe(200);
  expect(r.text).toContain('Khalti emulator');
  expect(r.text).toContain(`${h.root}/api/v5/bank/?payment_type=ebanking`);
});
