import { CheckoutTokenVerifier, checkoutTokenRefusal, CLOCK_TOLERANCE_SECONDS, type CheckoutTokenPolicy } from '../../../src/payments/checkout-token';
import { checkoutToken, MERCHANT_SECRET, unsignedToken } from '../../support/checkout-token';

const input = { purchaseOrderId: 'order-5001', amount: 500000, returnUrl: 'https://shop.example.com/thanks' };
const claims = { purchaseOrderId: input.purchaseOrderId, amount: input.amount };
const now = () => Math.floor(Date.now() / 1000);

describe('CheckoutTokenVerifier', () => {
  const verifier = new CheckoutTokenVerifier(MERCHANT_SECRET);
  const reason = async (token: string, subject = input) => {
    const check = await verifier.verify(token, subject);
    return check.ok ? 'ok' : check.reason;
  };

  it('accepts a token whose claims equal the input, with or without returnUrl', async () => {
    expect(await reason(await checkoutToken(claims))).toBe('ok');
    expect(await reason(await checkoutToken({ ...claims, returnUrl: input.returnUrl }))).toBe('ok');
    // The input is compared after normalize(): trimmed text on both sides.
    expect(await reason(await checkoutToken({ ...claims, purchaseOrderId: ' order-5001 ' }))).toBe('ok');
  });

  it('refuses a token signed with another secret', async () => {
    expect(await reason(await checkoutToken(claims, { secret: 'another-secret-0123456789abcdefghij' }))).toMatch(/bad signature/);
  });

  it('refuses a token signed with the right secret but HS512', async () => {
    expect(await reason(await checkoutToken(claims, { alg: 'HS512' }))).toMatch(/must be signed with HS256/);
  });

  it('refuses alg none', async () => {
    expect(await reason(unsignedToken({ ...claims, exp: now() + 600 }))).toMatch(/must be signed with HS256/);
  });

  it('refuses a token without exp, an expired one, and one that expires more than an hour ahead', async () => {
    expect(await reason(await checkoutToken(claims, { expiresIn: null }))).toMatch(/needs a numeric exp/);
    expect(await reason(await checkoutToken(claims, { expiresIn: -(CLOCK_TOLERANCE_SECONDS + 5) }))).toMatch(/expired/);
    expect(await reason(await checkoutToken(claims, { expiresIn: 2 * 60 * 60 }))).toMatch(/more than 60 minutes ahead/);
    expect(await reason(await checkoutToken({ ...claims, exp: String(now() + 600) }, { expiresIn: null }))).toMatch(/exp/);
  });

  it(`tolerates ${CLOCK_TOLERANCE_SECONDS} s of clock skew either way`, async () => {
    expect(await reason(await checkoutToken(claims, { expiresIn: -(CLOCK_TOLERANCE_SECONDS - 10) }))).toBe('ok');
    expect(await reason(await checkoutToken(claims, { expiresIn: 60 * 60 + CLOCK_TOLERANCE_SECONDS - 10 }))).toBe('ok');
  });

  it('refuses claims of the wrong type', async () => {
    expect(await reason(await checkoutToken({ ...claims, amount: '500000' }))).toMatch(/claim amount must be an integer/);
    expect(await reason(await checkoutToken({ ...claims, amount: 5000.5 }))).toMatch(/claim amount must be an integer/);
    expect(await reason(await checkoutToken({ amount: input.amount }))).toMatch(/claim purchaseOrderId must be a non-empty string/);
    expect(await reason(await checkoutToken({ ...claims, purchaseOrderId: 5001 }))).toMatch(/claim purchaseOrderId must be a non-empty string/);
    expect(await reason(await checkoutToken({ ...claims, returnUrl: 42 }))).toMatch(/claim returnUrl must be a string/);
  });

  it('says which claim differs from the input', async () => {
    expect(await reason(await checkoutToken({ ...claims, amount: 1000 }))).toBe('checkoutToken claim amount (1000) differs from input.amount (500000).');
    expect(await reason(await checkoutToken({ ...claims, purchaseOrderId: 'order-5002' }))).toMatch(/claim purchaseOrderId \("order-5002"\) differs/);
    expect(await reason(await checkoutToken({ ...claims, returnUrl: 'https://evil.example/thanks' }))).toMatch(/claim returnUrl \("https:\/\/evil.example\/thanks"\) differs/);
  });

  it('refuses what is not a JWT', async () => {
    for (const token of ['not-a-jwt', 'a.b.c', '', ' ', 'x'.repeat(5000)]) expect(await reason(token)).not.toBe('ok');
    expect(await reason('a.b.c')).toMatch(/not a well-formed JWT/);
  });

  it('uses the injected clock', async () => {
    const token = await checkoutToken(claims, { expiresIn: 600 });
    const later = new CheckoutTokenVerifier(MERCHANT_SECRET, () => new Date(Date.now() + 3600_000));
    expect(await later.verify(token, input)).toEqual({ ok: false, reason: expect.stringMatching(/expired/) });
  });
});

describe('checkoutTokenRefusal: who needs a token', () => {
  const withSecret: CheckoutTokenPolicy = { verifier: new CheckoutTokenVerifier(MERCHANT_SECRET), clientsMayInitiateWithoutSecret: true };
  const embeddedNoSecret: CheckoutTokenPolicy = { verifier: null, clientsMayInitiateWithoutSecret: true };
  const otherModeNoSecret: CheckoutTokenPolicy = { verifier: null, clientsMayInitiateWithoutSecret: false };

  it('a client key needs a valid token whenever MERCHANT_SECRET is set, embedded mode included', async () => {
    expect(await checkoutTokenRefusal(withSecret, { role: 'client' }, input)).toMatch(/checkoutToken is missing/);
    expect(await checkoutTokenRefusal(withSecret, { role: 'client', checkoutToken: await checkoutToken(claims) }, input)).toBeNull();
    expect(await checkoutTokenRefusal(withSecret, { role: 'client', checkoutToken: await checkoutToken({ ...claims, amount: 1000 }) }, input)).toMatch(/amount/);
  });

  it('without MERCHANT_SECRET: embedded mode lets client keys initiate, other modes refuse them', async () => {
    expect(await checkoutTokenRefusal(embeddedNoSecret, { role: 'client' }, input)).toBeNull();
    expect(await checkoutTokenRefusal(otherModeNoSecret, { role: 'client' }, input)).toMatch(/MERCHANT_SECRET is not configured/);
    expect(await checkoutTokenRefusal(otherModeNoSecret, { role: 'server' }, input)).toBeNull();
  });

  it('server and admin keys need no token, but one they send must be valid', async () => {
    for (const role of ['server', 'admin'] as const) {
      expect(await checkoutTokenRefusal(withSecret, { role }, input)).toBeNull();
      expect(await checkoutTokenRefusal(withSecret, { role, checkoutToken: await checkoutToken(claims) }, input)).toBeNull();
      expect(await checkoutTokenRefusal(withSecret, { role, checkoutToken: await checkoutToken({ ...claims, amount: 1000 }) }, input)).toMatch(/amount/);
    }
  });
});
