import { validateReturnUrlOrigin } from '../../../src/payments/initiate.validation';

describe('validateReturnUrlOrigin (RETURN_URL_ORIGINS)', () => {
  const allowed = ['https://shop.example.com', 'http://localhost:3000'];
  const verdict = (returnUrl: string, origins: string[] | null = allowed) =>
    validateReturnUrlOrigin(returnUrl, origins).map((error) => `${error.field?.join('.')}:${error.code}`);

  it('accepts URLs on an allowed origin, whatever the path, query or default port', () => {
    for (const url of ['https://shop.example.com/thanks?cart=1', 'https://SHOP.EXAMPLE.COM:443/', ' http://localhost:3000/x ']) expect([url, verdict(url)]).toEqual([url, []]);
  });

  it('refuses other origins, lookalikes, other schemes and ports as INVALID_URL on input.returnUrl', () => {
    for (const url of [
      'https://evil.example/thanks',
      'https://shop.example.com.evil.example/',
      'https://shop.example.com@evil.example/',
      'https://evil.example/https://shop.example.com/',
      'http://shop.example.com/',
      'https://shop.example.com:8443/',
      'http://localhost:3001/',
    ]) {
      expect([url, verdict(url)]).toEqual([url, ['input.returnUrl:INVALID_URL']]);
    }
  });

  it('checks nothing without a list, and leaves a URL that is not http(s) to validateInitiate', () => {
    expect(verdict('https://evil.example/', null)).toEqual([]);
    expect(verdict('javascript:alert(1)')).toEqual([]);
  });
});
