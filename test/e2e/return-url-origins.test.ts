/**
 * RETURN_URL_ORIGINS (issue 7 point 3): a returnUrl outside the configured origins is
 * INVALID_URL on ["input","returnUrl"], nothing written, Khalti not called.
 */
import { SERVER_KEY, startGateway, upstreamRequests, type TestGateway } from '../support/gateway';
import { INITIATE, orderInput } from '../support/operations';
import { paymentCount } from '../support/payments';

describe('RETURN_URL_ORIGINS', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startGateway({ RETURN_URL_ORIGINS: 'https://shop.example.com, http://localhost:3000' });
  });
  afterAll(() => gateway.close());

  it('refuses a returnUrl on another origin, a lookalike host, another scheme or port: nothing written, Khalti not called', async () => {
    for (const returnUrl of [
      'https://evil.example/thanks',
      'https://shop.example.com.evil.example/thanks',
      'https://shop.example.com@evil.example/thanks',
      'http://shop.example.com/thanks',
      'https://shop.example.com:8443/thanks',
      'http://localhost:3001/thanks',
    ]) {
      const payments = await paymentCount(gateway);
      const initiates = await upstreamRequests(gateway, 'initiate');
      const result = await gateway.gql(INITIATE, { input: orderInput({ returnUrl }) }, SERVER_KEY);
      expect([returnUrl, result.data.initiatePayment.payment]).toEqual([returnUrl, null]);
      expect(result.data.initiatePayment.userErrors).toEqual([
        { field: ['input', 'returnUrl'], code: 'INVALID_URL', message: expect.stringContaining('allowed origins (RETURN_URL_ORIGINS)') },
      ]);
      expect(await paymentCount(gateway)).toBe(payments);
      expect(await upstreamRequests(gateway, 'initiate')).toBe(initiates);
    }
  });

  it('accepts a returnUrl on an allowed origin, whatever its path and query', async () => {
    for (const returnUrl of ['https://shop.example.com/checkout/done?cart=42', 'https://SHOP.example.com:443/x', 'http://localhost:3000/orders/return']) {
      const result = await gateway.gql(INITIATE, { input: orderInput({ returnUrl }) }, SERVER_KEY);
      expect([returnUrl, result.data.initiatePayment.userErrors]).toEqual([returnUrl, []]);
    }
  });

  it('is not applied when RETURN_URL_ORIGINS is unset (outside production)', async () => {
    const open = await startGateway();
    try {
      const result = await open.gql(INITIATE, { input: orderInput({ returnUrl: 'https://elsewhere.example/thanks' }) }, SERVER_KEY);
      expect(result.data.initiatePayment.userErrors).toEqual([]);
    } finally {
      await open.close();
    }
  });
});
