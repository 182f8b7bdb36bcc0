import { inspect } from 'node:util';
import { excerpt, redact, REDACTED, scrubSecret } from '../../../src/khalti/khalti.redact';

// Deliberately without the word "secret", so key-name redaction does not mask what these tests check.
const SECRET = 'live_sk_0123456789abcdef';

describe('redact', () => {
  test('removes values equal to the secret anywhere, at any depth', () => {
    const input = { a: SECRET, b: [1, { c: SECRET }], d: { e: { f: [SECRET, 'ok'] } } };
    expect(redact(input, SECRET)).toStrictEqual({ a: REDACTED, b: [1, { c: REDACTED }], d: { e: { f: [REDACTED, 'ok'] } } });
  });

  test('removes the secret embedded in text and in key names', () => {
    expect(redact({ note: `Key ${SECRET} here`, [`k_${SECRET}`]: 1 }, SECRET)).toStrictEqual({
      note: `Key ${REDACTED} here`,
      [`k_${REDACTED}`]: 1,
    });
  });

  test.each([
    'authorization',
    'Authorization',
    'proxy-authorization',
    'secret',
    'secret_key',
    'secretKey',
    'live_secret_key',
    'password',
    'Passwd',
    'key',
    'api_key',
    'apiKey',
    'x-api-key',
    'private_key',
    'access_token',
    'cookie',
    'mpin',
    'otp',
  ])('redacts the value of key %j whatever it is', (key) => {
    expect(redact({ [key]: 'anything', keep: 'me' }, SECRET)).toStrictEqual({ [key]: REDACTED, keep: 'me' });
  });

  test.each(['error_key', 'pidx', 'token', 'transaction_id', 'mobile', 'keyword', 'monkey', 'purchase_order_id'])(
    'keeps ordinary key %j',
    (key) => {
      expect(redact({ [key]: 'v' }, SECRET)).toStrictEqual({ [key]: 'v' });
    },
  );

  test('does not modify its input and keeps non-string leaves', () => {
    const input = { a: SECRET, n: 1, b: true, z: null, arr: [SECRET] };
    const copy = structuredClone(input);
    expect(redact(input, SECRET)).toStrictEqual({ a: REDACTED, n: 1, b: true, z: null, arr: [REDACTED] });
    expect(input).toStrictEqual(copy);
  });

  test('works without a secret (keys still redacted) and survives cycles', () => {
    const cyclic: Record<string, unknown> = { authorization: 'Key abc', name: 'x' };
    cyclic.self = cyclic;
    expect(redact(cyclic, undefined)).toStrictEqual({ authorization: REDACTED, name: 'x', self: '[Circular]' });
    expect(redact('plain', undefined)).toBe('plain');
  });

  test('scrubSecret replaces every occurrence', () => {
    expect(scrubSecret(`${SECRET}/${SECRET}`, SECRET)).toBe(`${REDACTED}/${REDACTED}`);
    expect(scrubSecret('nothing', SECRET)).toBe('nothing');
    expect(scrubSecret('x', '')).toBe('x');
  });
});

describe('excerpt', () => {
  test('short text is kept as is', () => {
    expect(excerpt('<html>502</html>', SECRET)).toBe('<html>502</html>');
  });

  test('long text is cut to a short excerpt that says how much was dropped', () => {
    const text = 'a'.repeat(10_000);
    const out = excerpt(text, SECRET);
    expect(out.length).toBeLessThan(600);
    expect(out.startsWith('a'.repeat(512))).toBe(true);
    expect(out).toMatch(/9488 more chars/);
  });

  test('the secret is removed before cutting, so it cannot survive half-cut either', () => {
    const text = `${'a'.repeat(500)}${SECRET}${'b'.repeat(1000)}`;
    const out = excerpt(text, SECRET);
    expect(out).not.toContain(SECRET);
    expect(out).not.toContain(SECRET.slice(0, 12));
    expect(inspect(out)).not.toContain(SECRET);
  });
});
