/**
 * Checkout tokens and roles over HTTP (issue 7 point 1, DESIGN sections 3 and 9): with
 * MERCHANT_SECRET set, a client-key initiate needs a token the merchant's backend signed whose
 * claims equal the input; otherwise CHECKOUT_TOKEN_INVALID, nothing written, Khalti not called.
 */
import { ADMIN_KEY, CLIENT_KEY, SERVER_KEY, startGateway, upstreamRequests, type TestGateway } from '../support/gateway';
import { checkoutToken, MERCHANT_SECRET } from '../support/checkout-token';
import { INITIATE, orderInput } from '../support/operations';
import { EMULATOR_DEFAULT_SECRET_KEY } from '../../src/sandbox/emulator.defaults';
import { rowCount } from '../support/database';

/** Rows in the tables an initiate writes: payments, initiation claims, audit log. */
async function rowCounts(gateway: TestGateway): Promise<Record<string, number>> {
  const count = (table: string) => rowCount(gateway.app.database, table);
  return { payments: await count('payments'), initiations: await count('initiations'), audit: await count('audit_log') };
}

const tokenFor = (input: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  checkoutToken({ purchaseOrderId: input.purchaseOrderId, amount: input.amount, ...extra });

describe('checkout tokens (MERCHANT_SECRET set, embedded mode)', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startGateway({ MERCHANT_SECRET });
  });
  afterAll(() => gateway.close());

  /** Initiates and expects CHECKOUT_TOKEN_INVALID with nothing written and no initiate at the emulator. */
  async function expectRefused(input: Record<string, unknown>, key: string, message: RegExp) {
    const before = (await rowCounts(gateway));
    const initiatesBefore = await upstreamRequests(gateway, 'initiate');
    const result = await gateway.gql(INITIATE, { input }, key);
    expect(result.status).toBe(200);
    expect(result.data.initiatePayment.payment).toBeNull();
    expect(result.data.initiatePayment.paymentUrl).toBeNull();
    expect(result.data.initiatePayment.userErrors).toEqual([{ field: ['input', 'checkoutToken'], code: 'CHECKOUT_TOKEN_INVALID', message: expect.stringMatching(message) }]);
    expect((await rowCounts(gateway))).toEqual(before);
    expect(await upstreamRequests(gateway, 'initiate')).toBe(initiatesBefore);
  }

  it('refuses a client key without a token: nothing written, Khalti not called', async () => {
    await expectRefused(orderInput(), CLIENT_KEY, /checkoutToken is missing/);
  });

  it('initiates for a client key with a token whose claims equal the input (returnUrl included)', async () => {
    const input = orderInput();
    for (const token of [await tokenFor(input), await tokenFor(input, { returnUrl: input.returnUrl })]) {
      const result = await gateway.gql(INITIATE, { input: { ...input, checkoutToken: token } }, CLIENT_KEY);
      expect(result.data.initiatePayment.userErrors).toEqual([]);
      expect(result.data.initiatePayment.payment).toMatchObject({ status: 'INITIATED', amount: input.amount });
    }
    expect(await upstreamRequests(gateway, 'initiate')).toBeGreaterThan(0);
  });

  it('refuses a token whose amount was tampered with, and one signed with another secret', async () => {
    const input = orderInput();
    const token = await tokenFor(input);
    const [header, payload, signature] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString());
    const tampered = `${header}.${Buffer.from(JSON.stringify({ ...claims, amount: 1000 })).toString('base64url')}.${signature}`;
    await expectRefused({ ...input, amount: 1000, amountBreakdown: null, checkoutToken: tampered }, CLIENT_KEY, /bad signature/);
    const forged = await checkoutToken({ purchaseOrderId: input.purchaseOrderId, amount: 1000 }, { secret: 'an-attackers-guess-0123456789abcdefgh' });
    await expectRefused({ ...input, amount: 1000, amountBreakdown: null, checkoutToken: forged }, CLIENT_KEY, /bad signature/);
  });

  it('refuses a token with a returnUrl other than the input, and an expired one', async () => {
    const input = orderInput();
    await expectRefused({ ...input, checkoutToken: await tokenFor(input, { returnUrl: 'https://evil.example/thanks' }) }, CLIENT_KEY, /claim returnUrl .* differs/);
    await expectRefused({ ...input, checkoutToken: await checkoutToken({ purchaseOrderId: input.purchaseOrderId, amount: input.amount }, { expiresIn: -3600 }) }, CLIENT_KEY, /expired/);
  });

  it('the "buyer chooses their price" attack fails: a token for Rs 5,000 does not pay for Rs 10', async () => {
    // The merchant's backend signed order-5001 at Rs 5,000; the buyer edits the app's request.
    const order = orderInput({ purchaseOrderId: `order-5001-${Date.now()}`, amount: 500000, amountBreakdown: null });
    const token = await tokenFor(order);
    await expectRefused({ ...order, amount: 1000, checkoutToken: token }, CLIENT_KEY, /claim amount \(500000\) differs from input.amount \(1000\)/);
    await expectRefused({ ...order, amount: 1000 }, CLIENT_KEY, /checkoutToken is missing/);
    // The honest request with the same token still works.
    const honest = await gateway.gql(INITIATE, { input: { ...order, checkoutToken: token } }, CLIENT_KEY);
    expect(honest.data.initiatePayment.payment).toMatchObject({ amount: 500000 });
  });

  it("ends order-id squatting: a client key cannot initiate someone else's order id", async () => {
    // The victim's order exists only in the merchant's backend; the attacker races it with a client key.
    const victims = orderInput({ purchaseOrderId: `order-victim-${Date.now()}` });
    await expectRefused({ ...victims, amount: 1000, amountBreakdown: null }, CLIENT_KEY, /checkoutToken is missing/);
    // A token for the attacker's own order does not cover the victim's order id.
    const own = orderInput();
    await expectRefused({ ...victims, checkoutToken: await tokenFor({ ...own, amount: victims.amount }) }, CLIENT_KEY, /claim purchaseOrderId .* differs/);
    // The order id is still free for the merchant.
    const merchant = await gateway.gql(INITIATE, { input: victims }, SERVER_KEY);
    expect(merchant.data.initiatePayment.userErrors).toEqual([]);
  });

  it('a server key initiates without a token; admin too', async () => {
    for (const key of [SERVER_KEY, ADMIN_KEY]) {
      const result = await gateway.gql(INITIATE, { input: orderInput() }, key);
      expect(result.data.initiatePayment.userErrors).toEqual([]);
      expect(result.data.initiatePayment.payment.status).toBe('INITIATED');
    }
  });

  it('a server key that sends a token must send a valid one (a mismatch is a bug in the backend)', async () => {
    const input = orderInput();
    await expectRefused({ ...input, checkoutToken: await tokenFor({ ...input, amount: 999999 }) }, SERVER_KEY, /claim amount/);
    const valid = await gateway.gql(INITIATE, { input: { ...input, checkoutToken: await tokenFor(input) } }, SERVER_KEY);
    expect(valid.data.initiatePayment.userErrors).toEqual([]);
  });

  it('does not warn about client keys initiating freely', () => {
    expect(gateway.logs.filter((line) => line.includes('MERCHANT_SECRET is not set'))).toEqual([]);
  });
});

describe('without MERCHANT_SECRET', () => {
  it('embedded mode lets a client key initiate without a token, and says so at start-up', async () => {
    const gateway = await startGateway();
    try {
      expect(gateway.logs).toContainEqual(expect.stringMatching(/^warning: MERCHANT_SECRET is not set, so client keys may initiate payments of any amount without a checkout token/));
      const result = await gateway.gql(INITIATE, { input: orderInput() }, CLIENT_KEY);
      expect(result.data.initiatePayment.userErrors).toEqual([]);
    } finally {
      await gateway.close();
    }
  });

  it('any other mode refuses client-key initiates, saying MERCHANT_SECRET is not configured; server keys still initiate', async () => {
    // KHALTI_ENV=sandbox pointed at the embedded emulator of another gateway, so a server-key initiate can succeed.
    const upstream = await startGateway();
    const gateway = await startGateway({ KHALTI_ENV: 'sandbox', KHALTI_SECRET_KEY: EMULATOR_DEFAULT_SECRET_KEY, KHALTI_BASE_URL: upstream.app.khaltiBaseUrl });
    try {
      expect(gateway.logs.filter((line) => line.includes('MERCHANT_SECRET is not set'))).toEqual([]);
      const before = (await rowCounts(gateway));
      const initiatesBefore = await upstreamRequests(upstream, 'initiate');
      const refused = await gateway.gql(INITIATE, { input: orderInput() }, CLIENT_KEY);
      expect(refused.data.initiatePayment.userErrors).toEqual([
        { field: ['input', 'checkoutToken'], code: 'CHECKOUT_TOKEN_INVALID', message: expect.stringContaining('MERCHANT_SECRET is not configured') },
      ]);
      expect((await rowCounts(gateway))).toEqual(before);
      expect(await upstreamRequests(upstream, 'initiate')).toBe(initiatesBefore);
      const server = await gateway.gql(INITIATE, { input: orderInput() }, SERVER_KEY);
      expect(server.data.initiatePayment.userErrors).toEqual([]);
      expect(await upstreamRequests(upstream, 'initiate')).toBe(initiatesBefore + 1);
    } finally {
      await gateway.close();
      await upstream.close();
    }
  });
});
