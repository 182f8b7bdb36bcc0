/**
 * initiatePayment's input errors: each userError code, with nothing written, and Khalti not
 * called for what the gateway can tell by itself.
 */
import { ADMIN_KEY, startGateway, upstreamRequests, type TestGateway } from '../support/gateway';
import { INITIATE, orderInput } from '../support/operations';
import { paymentCount } from '../support/payments';

describe('initiatePayment input errors', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startGateway();
  });
  afterAll(() => gateway.close());

  const initiate = async (overrides: Record<string, unknown>) => {
    const result = await gateway.gql(INITIATE, { input: orderInput(overrides) });
    expect(result.errors).toBeUndefined();
    return result.data.initiatePayment;
  };

  it.each([
    ['BLANK', { returnUrl: '   ' }, ['input', 'returnUrl']],
    ['BLANK', { purchaseOrderName: '' }, ['input', 'purchaseOrderName']],
    ['INVALID_URL', { websiteUrl: 'shop dot com' }, ['input', 'websiteUrl']],
    ['INVALID_AMOUNT', { amount: -5, amountBreakdown: null }, ['input', 'amount']],
    ['AMOUNT_TOO_SMALL', { amount: 999, amountBreakdown: null }, ['input', 'amount']],
    ['AMOUNT_TOO_SMALL', { amount: 5000, amountBreakdown: null, modes: ['MOBILE_BANKING'] }, ['input', 'amount']],
    ['AMOUNT_BREAKDOWN_MISMATCH', { amountBreakdown: [{ label: 'Mark Price', amount: 1000 }] }, ['input', 'amountBreakdown']],
    ['INVALID_VALUE', { ttl: -1 }, ['input', 'ttl']],
  ])('%s for %j, without calling Khalti or writing anything', async (code, overrides, field) => {
    const before = await upstreamRequests(gateway, 'initiate');
    const payments = await paymentCount(gateway);
    const payload = await initiate(overrides);
    expect(payload.payment).toBeNull();
    expect(payload.paymentUrl).toBeNull();
    expect(payload.userErrors).toEqual([expect.objectContaining({ code, field })]);
    expect(payload.userErrors[0].message.length).toBeGreaterThan(5);
    expect(await upstreamRequests(gateway, 'initiate')).toBe(before);
    expect(await paymentCount(gateway)).toBe(payments);
  });

  it('maps what only Khalti can tell (an unknown bank) onto our field as KHALTI_REJECTED, writing nothing', async () => {
    const before = await upstreamRequests(gateway, 'initiate');
    const payments = await paymentCount(gateway);
    const payload = await initiate({ amount: 10000, amountBreakdown: null, bank: 'NoSuchBankIdx' });
    expect(payload.userErrors).toEqual([expect.objectContaining({ code: 'KHALTI_REJECTED', field: ['input', 'bank'] })]);
    expect(payload.payment).toBeNull();
    expect(await upstreamRequests(gateway, 'initiate')).toBe(before + 1);
    expect(await paymentCount(gateway)).toBe(payments);
  });

  it('returns the same payment for the same purchaseOrderId and input, and DUPLICATE_PURCHASE_ORDER for different input', async () => {
    const input = orderInput();
    const first = await gateway.gql(INITIATE, { input });
    const again = await gateway.gql(INITIATE, { input });
    expect(again.data.initiatePayment.payment.pidx).toBe(first.data.initiatePayment.payment.pidx);
    expect(again.data.initiatePayment.paymentUrl).toBe(first.data.initiatePayment.paymentUrl);

    const different = await gateway.gql(INITIATE, { input: { ...input, amount: 2000, amountBreakdown: null } });
    expect(different.data.initiatePayment.payment).toBeNull();
    expect(different.data.initiatePayment.userErrors).toEqual([
      expect.objectContaining({ code: 'DUPLICATE_PURCHASE_ORDER', field: ['input', 'purchaseOrderId'] }),
    ]);
  });

  it('answers a GraphQL-level type error (amount as text) with BAD_USER_INPUT', async () => {
    const result = await gateway.gql(INITIATE, { input: { ...orderInput(), amount: '1300' } });
    expect(result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(result.errors?.[0]?.message).toContain('amount');
  });

  it('needs an API key: UNAUTHENTICATED without one or with a wrong one', async () => {
    for (const key of [null, 'not-a-real-key-0123456789']) {
      const result = await gateway.gql(INITIATE, { input: orderInput() }, key);
      expect(result.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      expect(result.data?.initiatePayment ?? null).toBeNull();
    }
  });

  it('lets an admin key do what a client key may', async () => {
    const result = await gateway.gql(INITIATE, { input: orderInput() }, ADMIN_KEY);
    expect(result.data.initiatePayment.userErrors).toEqual([]);
  });
});
