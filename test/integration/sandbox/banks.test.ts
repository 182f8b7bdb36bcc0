import { BANKS } from '../../../src/sandbox/banks.fixture';
import { startHarness, type Harness } from './helpers';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

const FIELDS = [
  'idx',
  'name',
  'short_name',
  'logo',
  'swift_code',
  'has_cardpayment',
  'address',
  'ebanking_url',
  'has_ebanking',
  'has_mobile_checkout',
  'has_direct_withdraw',
  'has_nchl',
  'has_mobile_banking',
  'play_store',
  'app_store',
  'branches',
];

async function walk(type: string, pageSize?: number) {
  const pages = [];
  let url: string | null = `/api/v5/bank/?payment_type=${type}${pageSize ? `&page_size=${pageSize}` : ''}`;
  while (url) {
    const r = await h.get(url, { auth: null });
    expect(r.status).toBe(200);
    pages.push(r.json);
    // next is an absolute URL on publicUrl; follow it relative to the root.
    url = r.json.next ? r.json.next.slice(h.root.length) : null;
  }
  return pages;
}

describe.each([
  ['ebanking', 'has_ebanking'],
  ['mobilecheckout', 'has_mobile_checkout'],
])('payment_type=%s', (type, flag) => {
  it('walking every page yields each listed bank exactly once, in a consistent envelope', async () => {
    const pages = await walk(type);
    const expected = BANKS.filter((b) => (b as unknown as Record<string, boolean>)[flag]).map((b) => b.idx);
    expect(expected.length).toBeGreaterThan(10); // longer than one default page
    expect(pages.length).toBe(Math.ceil(expected.length / 10));

    const seen = pages.flatMap((p) => p.records.map((r: { idx: string }) => r.idx));
    expect(seen).toEqual(expected);
    expect(new Set(seen).size).toBe(seen.length);

    pages.forEach((p, i) => {
      expect(Object.keys(p).sort()).toEqual(
        ['current_page', 'next', 'previous', 'record_range', 'records', 'total_pages', 'total_records'].sort(),
      );
      expect(p.current_page).toBe(i + 1);
      expect(p.total_pages).toBe(pages.length);
      expect(p.total_records).toBe(expected.length);
      expect(p.record_range).toEqual([i * 10 + 1, i * 10 + p.records.length]);
      expect(p.previous === null).toBe(i === 0);
      expect(p.next === null).toBe(i === pages.length - 1);
      for (const record of p.records) {
        expect(Object.keys(record)).toEqual(FIELDS);
        expect(record[flag]).toBe(true);
        expect(record.swift_code).toMatch(/^[A-Z]{6}[A-Z0-9]{2}$/);
        expect(record.logo).toMatch(new RegExp(`^${h.root}/static/bank-logo/`));
        expect(record.branches).toEqual([]);
      }
    });
    expect(pages[1].previous).toBe(`${h.root}/api/v5/bank/?payment_type=${type}`);
    expect(pages[0].next).toBe(`${h.root}/api/v5/bank/?payment_type=${type}&page=2`);
  });

  it('honours page_size and keeps it in the links', async () => {
    const pages = await walk(type, 4);
    expect(pages[0].records).toHaveLength(4);
    expect(pages[0].next).toContain('page_size=4');
    expect(pages.flatMap((p) => p.records).length).toBe(pages[0].total_records);
  });
});

it('the bank idx values are stable (clients store them), including the ones from Khalti\'s docs', async () => {
  const r = await h.get('/api/v5/bank/?payment_type=ebanking&page_size=100', { auth: null });
  const adbl = r.json.records.find((b: { short_name: string }) => b.short_name === 'ADBL');
  expect(adbl).toMatchObject({ idx: 'UZmPqTDkdhKmukdZe2gVWZ', name: 'Agricultural Development Bank Limited', swift_code: 'ADBLNPKA' });
  const names = BANKS.map((b) => b.name);
  for (const name of ['Nabil Bank Limited', 'NIC Asia Bank Limited', 'Global IME Bank Limited', 'Nepal SBI Bank Limited']) {
    expect(names).toContain(name);
  }
});

it('needs no authorization, and ignores a wrong key', async () => {
  expect((await h.get('/api/v5/bank/?payment_type=ebanking', { auth: null })).status).toBe(200);
  expect((await h.get('/api/v5/bank/?payment_type=ebanking', { auth: 'Key whatever' })).status).toBe(200);
  const entry = h.emulator.controls.requests().at(-1)!;
  expect(entry).toMatchObject({ route: 'banks', authorized: null, query: { payment_type: 'ebanking' } });
});

it('unknown or missing payment_type: 400 field error', async () => {
  const bad = await h.get('/api/v5/bank/?payment_type=cards', { auth: null });
  expect(bad.status).toBe(400);
  expect(bad.json).toEqual({ payment_type: ['"cards" is not a valid choice.'], error_key: 'validation_error' });
  const missing = await h.get('/api/v5/bank/', { auth: null });
  expect(missing.json).toEqual({ payment_type: ['This field is required.'], error_key: 'validation_error' });
});

it('a page past the end or not a number: 404 Invalid page', async () => {
  for (const page of ['3', '0', 'abc']) {
    const r = await h.get(`/api/v5/bank/?payment_type=ebanking&page=${page}`, { auth: null });
    expect(r.status).toBe(404);
    expect(r.json).toEqual({ detail: 'Invalid page.', error_key: 'validation_error' });
  }
  const last = await h.get('/api/v5/bank/?payment_type=ebanking&page=last', { auth: null });
  expect(last.json.current_page).toBe(2);
});

it('serves each bank\'s logo as SVG', async () => {
  const r = await h.get('/api/v5/bank/?payment_type=mobilecheckout', { auth: null });
  const logo = await h.get(r.json.records[0].logo.slice(h.root.length), { auth: null });
  expect(logo.status).toBe(200);
  expect(logo.headers['content-type']).toMatch(/^image\/svg\+xml/);
  expect(logo.text).toContain('<svg');
  expect((await h.get('/static/bank-logo/nobank.svg', { auth: null })).status).toBe(404);
});
