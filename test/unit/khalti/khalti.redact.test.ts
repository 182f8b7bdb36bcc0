import { inspect } from 'node:util';
import {
  excerpt,
  PERSONAL_DATA,
  personalDataValues,
  redact,
  REDACTED,
  redactPersonalData,
  reportedCopy,
  scrubSecret,
} from '../../../src/khalti/khalti.redact';

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

describe('personal data in reported copies', () => {
  const initiate = {
    purchase_order_id: 'order-1',
    amount: 1000,
    customer_info: { name: 'Sita Kumari', email: 'sita@example.com', phone: '9812345678' },
  };

  test('customer_info is replaced wholesale and a refund mobile by the personal-data marker, not the secret one', () => {
    expect(reportedCopy(initiate, SECRET, personalDataValues(initiate))).toStrictEqual({
      purchase_order_id: 'order-1',
      amount: 1000,
      customer_info: PERSONAL_DATA,
    });
    expect(reportedCopy({ mobile: '9800000001', amount: 100 }, SECRET, [])).toStrictEqual({ mobile: PERSONAL_DATA, amount: 100 });
    expect(PERSONAL_DATA).not.toBe(REDACTED);
  });

  test('the values are collected from the request and scrubbed out of any other text', () => {
    const values = personalDataValues(initiate);
    expect(values).toEqual(expect.arrayContaining(['Sita Kumari', 'sita@example.com', '9812345678']));
    expect(redactPersonalData({ detail: 'Thanks Sita Kumari (9812345678)', list: ['sita@example.com'] }, values)).toStrictEqual({
      detail: `Thanks ${PERSONAL_DATA} (${PERSONAL_DATA})`,
      list: [PERSONAL_DATA],
    });
  });

  test('secrets are still removed, and absent or null personal fields stay as they were', () => {
    expect(reportedCopy({ customer_info: null, note: SECRET }, SECRET, [])).toStrictEqual({ customer_info: null, note: REDACTED });
    expect(reportedCopy({ pidx: 'P' }, SECRET, [])).toStrictEqual({ pidx: 'P' });
  });

  test('very short values are not scrubbed out of other text (only their own key is replaced)', () => {
    const values = personalDataValues({ customer_info: { name: 'Ram' } });
    expect(values).toEqual([]);
    expect(redactPersonalData({ detail: 'Program' }, values)).toStrictEqual({ detail: 'Program' });
  });

  test('an overlong string becomes an excerpt', () => {
    const out = redactPersonalData({ pidx: 'A'.repeat(100_000) }, []) as { pidx: string };
    expect(out.pidx.length).toBeLessThan(600);
    expect(out.pidx).toMatch(/more chars/);
  });
});
