import { BANKS, banksFor } from '../../../src/sandbox/banks.fixture';
import { withParams } from '../../../src/sandbox/emulator.callback';
import { parseInteger, parseString } from '../../../src/sandbox/emulator.drf';
import { formatRupees, maskMobile, toNepalIso } from '../../../src/sandbox/emulator.format';
import { khaltiId, SHORTUUID_ALPHABET } from '../../../src/sandbox/emulator.ids';
import { isValidHttpUrl } from '../../../src/sandbox/emulator.url';

describe('toNepalIso', () => {
  it('renders Nepal time (+05:45) with microseconds, like Khalti', () => {
    expect(toNepalIso(new Date('2023-05-25T10:41:16.471Z'))).toBe('2023-05-25T16:26:16.471000+05:45');
    expect(toNepalIso(new Date('2023-12-31T18:30:00.000Z'))).toBe('2024-01-01T00:15:00.000000+05:45');
    expect(Date.parse(toNepalIso(new Date('2023-05-25T10:41:16.471Z')))).toBe(Date.parse('2023-05-25T10:41:16.471Z'));
  });
});

describe('formatRupees', () => {
  it.each([
    [130000, 'Rs. 1,300.00'],
    [1000, 'Rs. 10.00'],
    [1005, 'Rs. 10.05'],
    [99, 'Rs. 0.99'],
    [10000000, 'Rs. 1,00,000.00'],
    [123456789, 'Rs. 12,34,567.89'],
  ])('%i paisa -> %s', (paisa, text) => expect(formatRupees(paisa)).toBe(text));
});

it('maskMobile keeps the first two and last three digits', () => {
  expect(maskMobile('9800000904')).toBe('98XXXXX904');
});

describe('DRF coercions', () => {
  it('IntegerField accepts ints, int strings and "1000.00"; refuses floats, words, booleans', () => {
    for (const [input, out] of [[1000, 1000], ['1000', 1000], [' 42 ', 42], ['1000.00', 1000], ['-5', -5]] as const) {
      expect(parseInteger(input)).toEqual({ ok: true, value: out });
    }
    for (const bad of [10.5, 'abc', true, '', '1e3', '10.5', NaN, Infinity, {}, []]) {
      expect(parseInteger(bad)).toEqual({ ok: false, error: ['A valid integer is required.'] });
    }
    expect(parseInteger(undefined)).toEqual({ ok: false, error: ['This field is required.'] });
    expect(parseInteger(null)).toEqual({ ok: false, error: ['This field may not be null.'] });
    expect(parseInteger(2 ** 60)).toEqual({ ok: false, error: ['Ensure this value is less than or equal to 9007199254740991.'] });
  });

  it('CharField trims, turns numbers into strings, refuses booleans and objects', () => {
    expect(parseString('  x ')).toEqual({ ok: true, value: 'x' });
    expect(parseString(12)).toEqual({ ok: true, value: '12' });
    expect(parseString('  ')).toEqual({ ok: false, error: ['This field may not be blank.'] });
    expect(parseString(false)).toEqual({ ok: false, error: ['Not a valid string.'] });
  });
});

describe('URL validation (Django URLValidator, http/https)', () => {
  it.each([
    ['https://example.com/', true],
    ['http://example.com:8080/a/b?c=d#e', true],
    ['http://localhost:4000/khalti/return', true],
    ['http://127.0.0.1/', true],
    ['http://[::1]:3000/', true],
    ['http://xn--bcher-kva.example/', true],
    ['http://myhost/', false],
    ['http://256.0.0.1/', false],
    ['ftp://example.com/', false],
    ['//example.com/', false],
    ['http://exa mple.com/', false],
    ['http://[zz::1]/', false],
  ])('%s -> %s', (url, valid) => expect(isValidHttpUrl(url)).toBe(valid));
});

describe('withParams', () => {
  it('appends to no query, an existing query, a trailing "&", and keeps the fragment', () => {
    expect(withParams('https://a.example/r', [['x', '1 2']])).toBe('https://a.example/r?x=1%202');
    expect(withParams('https://a.example/r?y=0', [['x', '1']])).toBe('https://a.example/r?y=0&x=1');
    expect(withParams('https://a.example/r?y=0&', [['x', '1']])).toBe('https://a.example/r?y=0&x=1');
    expect(withParams('https://a.example/r?#f', [['x', '&=']])).toBe('https://a.example/r?x=%26%3D#f');
  });
});

describe('ids and fixture', () => {
  it('ids are 22 characters of the shortuuid alphabet', () => {
    const ids = new Set(Array.from({ length: 200 }, () => khaltiId()));
    expect(ids.size).toBe(200);
    for (const id of ids) expect(id).toMatch(new RegExp(`^[${SHORTUUID_ALPHABET}]{22}$`));
  });

  it('bank idx values and short names are unique and well-formed; both lists span pages', () => {
    expect(new Set(BANKS.map((b) => b.idx)).size).toBe(BANKS.length);
    expect(new Set(BANKS.map((b) => b.short_name)).size).toBe(BANKS.length);
    for (const b of BANKS) expect(b.idx).toMatch(new RegExp(`^[${SHORTUUID_ALPHABET}]{22}$`));
    expect(BANKS.length).toBeGreaterThanOrEqual(20);
    expect(banksFor('ebanking').length).toBeGreaterThan(10);
    expect(banksFor('mobilecheckout').length).toBeGreaterThan(10);
  });
});
