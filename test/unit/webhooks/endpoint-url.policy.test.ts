/**
 * The endpoint URL policy: http(s) only, https in production, no credentials or fragment, bounded
 * length, and a host whose every address is public unless private ones are allowed; a host that
 * does not resolve is refused too. DNS is a fake here (the real resolver is the default).
 */
import { checkEndpointUrl, MAX_ENDPOINT_URL_LENGTH, type EndpointUrlRules } from '../../../src/webhooks/endpoint-url.policy';

const dns: Record<string, string[]> = {
  'hooks.example.com': ['93.184.216.34', '2606:4700::1111'],
  'mixed.example.com': ['93.184.216.34', '10.0.0.7'],
  'internal.example.com': ['192.168.1.20'],
  'v6only.example.com': ['::1'],
};
const resolve = jest.fn(async (host: string) => {
  const addresses = dns[host];
  if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
  return addresses;
});
const strict: EndpointUrlRules = { production: false, allowPrivate: false, resolve };
const check = (url: string, rules: Partial<EndpointUrlRules> = {}) => checkEndpointUrl(url, { ...strict, ...rules });
const refusal = async (url: string, rules: Partial<EndpointUrlRules> = {}) => {
  const result = await check(url, rules);
  if (result.ok) throw new Error(`${url} was accepted`);
  return result.message;
};

describe('checkEndpointUrl', () => {
  beforeEach(() => resolve.mockClear());

  it('accepts an http(s) URL whose host resolves to public addresses only, normalised, with its host', async () => {
    expect(await check('https://hooks.example.com/khalti?shop=1')).toEqual({ ok: true, url: 'https://hooks.example.com/khalti?shop=1', host: 'hooks.example.com' });
    expect(await check('  HTTP://Hooks.Example.com:8443/in ')).toEqual({ ok: true, url: 'http://hooks.example.com:8443/in', host: 'hooks.example.com' });
    expect(await check('https://1.1.1.1/x')).toMatchObject({ ok: true, host: '1.1.1.1' });
    expect(await check('https://[2606:4700::1111]/x')).toMatchObject({ ok: true, host: '2606:4700::1111' });
    expect(resolve).toHaveBeenCalledTimes(2);
  });

  it('refuses other schemes, credentials, fragments, blanks, junk and over-long URLs', async () => {
    expect(await refusal('ftp://hooks.example.com/x')).toMatch(/http or https/);
    expect(await refusal('javascript:alert(1)')).toMatch(/http or https/);
    expect(await refusal('https://user:pw@hooks.example.com/x')).toMatch(/user name or password/);
    expect(await refusal('https://user@hooks.example.com/x')).toMatch(/user name or password/);
    expect(await refusal('https://hooks.example.com/x#part')).toMatch(/fragment/);
    expect(await refusal('https://hooks.example.com/x#')).toMatch(/fragment/);
    expect(await refusal('   ')).toMatch(/blank/);
    expect(await refusal('not a url')).toMatch(/spaces|valid absolute URL/);
    expect(await refusal('/relative/path')).toMatch(/valid absolute URL/);
    expect(await refusal('https://hooks.example.com/a\u0000b')).toMatch(/control characters/);
    expect(await refusal(`https://hooks.example.com/${'a'.repeat(MAX_ENDPOINT_URL_LENGTH)}`)).toMatch(/at most 2048/);
    expect(resolve).not.toHaveBeenCalled();
  });

  it('requires https in production', async () => {
    expect(await refusal('http://hooks.example.com/x', { production: true })).toMatch(/https in production/);
    expect(await check('https://hooks.example.com/x', { production: true })).toMatchObject({ ok: true });
  });

  it('refuses a host when any of its addresses is private, and IP literals that are, unless private addresses are allowed', async () => {
    expect(await refusal('https://mixed.example.com/x')).toMatch(/resolves to 10\.0\.0\.7.*WEBHOOK_ALLOW_PRIVATE=true/);
    expect(await refusal('https://internal.example.com/x')).toMatch(/192\.168\.1\.20/);
    expect(await refusal('https://v6only.example.com/x')).toMatch(/::1/);
    expect(await refusal('http://127.0.0.1:1/x')).toMatch(/127\.0\.0\.1/);
    expect(await refusal('http://[::ffff:7f00:1]/x')).toMatch(/loopback, private/);
    expect(await refusal('http://169.254.169.254/latest/meta-data')).toMatch(/169\.254\.169\.254/);
    // Numeric shorthands are normalised by the URL parser before the check (0x7f.1 is 127.0.0.1).
    expect(await refusal('http://0x7f.1/x')).toMatch(/127\.0\.0\.1/);
    expect(await refusal('http://2130706433/x')).toMatch(/127\.0\.0\.1/);

    const allowed = { allowPrivate: true };
    expect(await check('https://mixed.example.com/x', allowed)).toMatchObject({ ok: true });
    expect(await check('http://127.0.0.1:1/x', allowed)).toMatchObject({ ok: true, host: '127.0.0.1' });
  });

  it('refuses a host that does not resolve, even when private addresses are allowed', async () => {
    expect(await refusal('https://nowhere.example.invalid/x')).toMatch(/does not resolve/);
    expect(await refusal('https://nowhere.example.invalid/x', { allowPrivate: true })).toMatch(/does not resolve/);
    expect(await refusal('https://empty.example.com/x', { resolve: async () => [] })).toMatch(/does not resolve/);
  });

  it('resolves with the system resolver by default (localhost is loopback)', async () => {
    const result = await checkEndpointUrl('http://localhost:9/x', { production: false, allowPrivate: false });
    expect(result).toMatchObject({ ok: false, message: expect.stringMatching(/localhost resolves to .*WEBHOOK_ALLOW_PRIVATE/) });
  });
});
