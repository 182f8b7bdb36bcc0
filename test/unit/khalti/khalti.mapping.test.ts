import {
  fromWireBank,
  fromWireBankPage,
  fromWireInitiate,
  fromWireLookup,
  fromWireRefund,
  fromWireTransactionStatus,
  looksLikeLookupResult,
  looksLikeTransactionStatus,
  parseKhaltiTimestamp,
  toWireBankPaymentType,
  toWireInitiate,
  toWireRefund,
  WireShapeError,
} from '../../../src/khalti/khalti.mapping';
import type { InitiateRequest } from '../../../src/khalti/khalti.types';

const base: InitiateRequest = {
  returnUrl: 'https://example.com/payment/',
  websiteUrl: 'https://example.com/',
  amount: 1300,
  purchaseOrderId: 'test12',
  purchaseOrderName: 'test',
};

describe('toWireInitiate', () => {
  test('required fields only', () => {
    expect(toWireInitiate(base)).toStrictEqual({
      return_url: 'https://example.com/payment/',
      website_url: 'https://example.com/',
      amount: 1300,
      purchase_order_id: 'test12',
      purchase_order_name: 'test',
    });
  });

  test('the documented sample request, plus modes, bank and ttl', () => {
    const wire = toWireInitiate({
      ...base,
      customerInfo: { name: 'Khalti Bahadur', email: 'example@gmail.com', phone: '9800000123' },
      amountBreakdown: [
        { label: 'Mark Price', amount: 1000 },
        { label: 'VAT', amount: 300 },
      ],
      productDetails: [{ identity: '1234567890', name: 'Khalti logo', totalPrice: 1300, quantity: 1, unitPrice: 1300 }],
      merchantExtra: { username: 'merchant_name', extra: 'merchant_extra' },
      modes: ['EBANKING', 'CONNECT_IPS', 'SCT'],
      bank: 'ayCEFuEpkmkjBj3WVWRh32',
      ttl: 1000,
    });
    expect(wire).toStrictEqual({
      return_url: 'https://example.com/payment/',
      website_url: 'https://example.com/',
      amount: 1300,
      purchase_order_id: 'test12',
      purchase_order_name: 'test',
      customer_info: { name: 'Khalti Bahadur', email: 'example@gmail.com', phone: '9800000123' },
      amount_breakdown: [
        { label: 'Mark Price', amount: 1000 },
        { label: 'VAT', amount: 300 },
      ],
      product_details: [{ identity: '1234567890', name: 'Khalti logo', total_price: 1300, quantity: 1, unit_price: 1300 }],
      merchant_username: 'merchant_name',
      merchant_extra: 'merchant_extra',
      modes: ['EBANKING', 'CONNECT_IPS', 'SCT'],
      bank: 'ayCEFuEpkmkjBj3WVWRh32',
      ttl: 1000,
    });
  });

  test('absent customer sub-fields are omitted; an empty customerInfo is not sent', () => {
    expect(toWireInitiate({ ...base, customerInfo: { phone: '9800000001' } }).customer_info).toStrictEqual({
      phone: '9800000001',
    });
    expect(toWireInitiate({ ...base, customerInfo: {} })).not.toHaveProperty('customer_info');
    expect(toWireInitiate({ ...base, customerInfo: { name: undefined } })).not.toHaveProperty('customer_info');
  });

  test('values pass through verbatim (the gateway and Khalti validate them, not the mapper)', () => {
    const wire = toWireInitiate({ ...base, returnUrl: '', purchaseOrderName: '', amount: 0, amountBreakdown: [] });
    expect(wire).toMatchObject({ return_url: '', purchase_order_name: '', amount: 0, amount_breakdown: [] });
  });

  test.each([
    ['fractional amount', { amount: 1000.5 }],
    ['unsafe amount', { amount: Number.MAX_SAFE_INTEGER + 1 }],
    ['Infinity', { amount: Infinity }],
    ['string amount', { amount: '1000' as unknown as number }],
    ['fractional breakdown', { amountBreakdown: [{ label: 'x', amount: 0.1 }] }],
    ['fractional total_price', { productDetails: [{ identity: 'i', name: 'n', totalPrice: 1.5, quantity: 1, unitPrice: 1 }] }],
    ['fractional unit_price', { productDetails: [{ identity: 'i', name: 'n', totalPrice: 1, quantity: 1, unitPrice: 1.5 }] }],
    ['fractional quantity', { productDetails: [{ identity: 'i', name: 'n', totalPrice: 1, quantity: 0.5, unitPrice: 1 }] }],
    ['fractional ttl', { ttl: 1.5 }],
    ['empty merchant key', { merchantExtra: { '': 'x' } }],
    ['non-string merchant value', { merchantExtra: { a: 1 as unknown as string } }],
  ])('refuses %s with a TypeError', (_label, patch) => {
    expect(() => toWireInitiate({ ...base, ...patch })).toThrow(TypeError);
  });
});

describe('toWireRefund', () => {
  test.each([
    [{ transactionId: 't' }, {}],
    [{ transactionId: 't', amount: 500 }, { amount: 500 }],
    [{ transactionId: 't', mobile: '9800000001' }, { mobile: '9800000001' }],
    [{ transactionId: 't', mobile: '9800000001', amount: 500 }, { mobile: '9800000001', amount: 500 }],
  ])('%j -> %j (transaction id goes in the path, not the body)', (req, wire) => {
    expect(toWireRefund(req)).toStrictEqual(wire);
  });

  test('refuses a fractional amount (the docs show 50.00; we never send it)', () => {
    expect(() => toWireRefund({ transactionId: 't', amount: 50.5 })).toThrow(TypeError);
  });
});

test('bank payment types', () => {
  expect(toWireBankPaymentType('EBANKING')).toBe('ebanking');
  expect(toWireBankPaymentType('MOBILE_CHECKOUT')).toBe('mobilecheckout');
  expect(() => toWireBankPaymentType('CARD' as never)).toThrow(TypeError);
});

describe('parseKhaltiTimestamp', () => {
  test.each([
    ['2023-05-25T16:26:16.471649+05:45', '2023-05-25T10:41:16.471Z'],
    ['2023-05-25T16:26:16+05:45', '2023-05-25T10:41:16.000Z'],
    ['2023-05-25T16:26:16.4+0545', '2023-05-25T10:41:16.400Z'],
    ['2023-05-25T10:41:16.471Z', '2023-05-25T10:41:16.471Z'],
    ['2023-05-25 10:41:16z', '2023-05-25T10:41:16.000Z'],
  ])('%s -> %s', (text, iso) => {
    expect(parseKhaltiTimestamp(text).toISOString()).toBe(iso);
  });

  test.each(['2023-05-25T16:26:16.471649', '2023-05-25', 'soon', '2023-13-45T99:99:99+05:45', ''])(
    'refuses %j',
    (text) => {
      expect(() => parseKhaltiTimestamp(text)).toThrow(WireShapeError);
    },
  );
});

describe('response parsers', () => {
  const initiate = {
    pidx: 'bZQLD9wRVWo4CdESSfuSsB',
    payment_url: 'https://test-pay.khalti.com/?pidx=bZQLD9wRVWo4CdESSfuSsB',
    expires_at: '2023-05-25T16:26:16.471649+05:45',
    expires_in: 1800,
  };

  test('initiate', () => {
    expect(fromWireInitiate(initiate)).toStrictEqual({
      pidx: 'bZQLD9wRVWo4CdESSfuSsB',
      paymentUrl: 'https://test-pay.khalti.com/?pidx=bZQLD9wRVWo4CdESSfuSsB',
      expiresAt: new Date('2023-05-25T10:41:16.471Z'),
      expiresIn: 1800,
    });
  });

  test.each([
    ['pidx', { pidx: '' }],
    ['pidx', { pidx: 5 }],
    ['payment_url', { payment_url: null }],
    ['expires_at', { expires_at: 1685011576 }],
    ['expires_in', { expires_in: '1800' }],
  ])('initiate with a bad %s is a shape error naming it', (name, patch) => {
    expect(() => fromWireInitiate({ ...initiate, ...patch })).toThrow(new RegExp(`^${name}`));
  });

  test.each([
    'javascript:alert(document.cookie)',
    'JavaScript:alert(1)',
    'data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==',
    'vbscript:msgbox(1)',
    'file:///etc/passwd',
    '//evil.example/pay',
    '/pay?pidx=x',
    'pay.khalti.com/?pidx=x',
    'not a url',
    ' https://pay.khalti.com/',
    'java\tscript:alert(1)',
    'https://pay.khalti.com/\n',
    'https://user:pass@pay.khalti.com/',
    `https://pay.khalti.com/?q=${'x'.repeat(3000)}`,
  ])('initiate refuses the payment_url %j: only absolute http(s) URLs are handed to clients', (url) => {
    expect(() => fromWireInitiate({ ...initiate, payment_url: url })).toThrow(/^payment_url/);
  });

  test.each(['https://pay.khalti.com/?pidx=bZQLD9wRVWo4CdESSfuSsB', 'http://localhost:4000/sandbox/pay?pidx=x', 'HTTPS://TEST-PAY.KHALTI.COM/'])(
    'initiate accepts the payment_url %j as it is',
    (url) => {
      expect(fromWireInitiate({ ...initiate, payment_url: url }).paymentUrl).toBe(url);
    },
  );

  test.each([
    ['100 kB long', 'A'.repeat(100_000)],
    ['65 characters', 'A'.repeat(65)],
    ['with a slash', 'abc/def'],
    ['with a space', 'abc def'],
    ['with markup', '<script>'],
  ])('initiate and lookup refuse a pidx %s, without repeating it', (_label, pidx) => {
    for (const parse of [() => fromWireInitiate({ ...initiate, pidx }), () => fromWireLookup({ ...lookup, pidx }, pidx)]) {
      let error: unknown;
      try {
        parse();
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(WireShapeError);
      expect((error as Error).message).toMatch(/^pidx/);
      expect((error as Error).message).not.toContain(pidx);
    }
  });

  const lookup = { pidx: 'P', total_amount: 1000, status: 'Completed', transaction_id: 'T', fee: 0, refunded: false };

  test('lookup, with the raw status kept and mapped', () => {
    expect(fromWireLookup({ ...lookup, status: 'Partially refunded' }, 'P')).toStrictEqual({
      pidx: 'P',
      totalAmount: 1000,
      status: 'PARTIALLY_REFUNDED',
      rawStatus: 'Partially refunded',
      transactionId: 'T',
      fee: 0,
      refunded: false,
    });
    expect(fromWireLookup({ ...lookup, transaction_id: null }, 'P').transactionId).toBeNull();
  });

  test('lookup refuses another pidx and ill-typed fields', () => {
    expect(() => fromWireLookup(lookup, 'Q')).toThrow(WireShapeError);
    expect(() => fromWireLookup({ ...lookup, total_amount: '1000' }, 'P')).toThrow(/total_amount/);
    // Amounts the gateway's API (GraphQL Int) cannot carry make the answer unusable, not stored.
    expect(() => fromWireLookup({ ...lookup, total_amount: 2 ** 31 }, 'P')).toThrow(/total_amount: 2147483648 paisa is outside/);
    expect(() => fromWireLookup({ ...lookup, fee: 2 ** 31 }, 'P')).toThrow(/fee/);
    expect(() => fromWireLookup({ ...lookup, fee: -1 }, 'P')).toThrow(/fee/);
    expect(() => fromWireLookup({ ...lookup, fee: 0.5 }, 'P')).toThrow(/fee/);
    expect(fromWireLookup({ ...lookup, total_amount: 2 ** 31 - 1 }, 'P').totalAmount).toBe(2 ** 31 - 1);
    expect(() => fromWireLookup({ ...lookup, fee: null }, 'P')).toThrow(/fee/);
    expect(() => fromWireLookup({ ...lookup, refunded: 0 }, 'P')).toThrow(/refunded/);
    expect(() => fromWireLookup([lookup], 'P')).toThrow(WireShapeError);
  });

  test('looksLikeLookupResult needs a status string and a pidx', () => {
    expect(looksLikeLookupResult({ pidx: 'P', status: 'Expired' })).toBe(true);
    expect(looksLikeLookupResult({ pidx: ['This field may not be blank.'], error_key: 'validation_error' })).toBe(false);
    expect(looksLikeLookupResult({ detail: 'Not found.', status: 'x' })).toBe(false);
    expect(looksLikeLookupResult('Expired')).toBe(false);
  });

  test('refund', () => {
    expect(fromWireRefund({ detail: 'Transaction refund successful.' })).toStrictEqual({
      detail: 'Transaction refund successful.',
    });
    expect(() => fromWireRefund({})).toThrow(WireShapeError);
  });

  test('bank record: documented sample, "" and missing optional text -> null, flags default false', () => {
    const sample = {
      idx: 'UZmPqTDkdhKmukdZe2gVWZ',
      name: 'Agricultural Development Bank Limited',
      short_name: 'ADBL',
      logo: 'https://khalti-static.s3.ap-south-1.amazonaws.com/media/bank-logo/adbl.png',
      swift_code: 'ADBLNPKA',
      has_cardpayment: false,
      address: 'Singhadurbar, Kathmandu',
      ebanking_url: '',
      has_ebanking: true,
      has_mobile_checkout: true,
      has_direct_withdraw: true,
      has_nchl: false,
      has_mobile_banking: false,
      play_store: '',
      app_store: '',
      branches: [],
    };
    expect(fromWireBank(sample, 0)).toStrictEqual({
      idx: 'UZmPqTDkdhKmukdZe2gVWZ',
      name: 'Agricultural Development Bank Limited',
      shortName: 'ADBL',
      logo: 'https://khalti-static.s3.ap-south-1.amazonaws.com/media/bank-logo/adbl.png',
      swiftCode: 'ADBLNPKA',
      address: 'Singhadurbar, Kathmandu',
      ebankingUrl: null,
      hasEbanking: true,
      hasMobileCheckout: true,
      hasMobileBanking: false,
      hasCardPayment: false,
      hasDirectWithdraw: true,
      hasNchl: false,
      playStore: null,
      appStore: null,
    });
    expect(fromWireBank({ idx: 'x', name: 'X' }, 0)).toMatchObject({ shortName: null, hasEbanking: false });
    expect(() => fromWireBank({ idx: 'x', name: 'X', has_ebanking: 'yes' }, 3)).toThrow(/^records\[3\]\.has_ebanking/);
    expect(() => fromWireBank({ name: 'X' }, 0)).toThrow(/idx/);
  });

  test('bank page envelope', () => {
    expect(fromWireBankPage({ total_pages: 2, current_page: 1, records: [{ idx: 'a', name: 'A' }] })).toMatchObject({
      currentPage: 1,
      totalPages: 2,
      banks: [{ idx: 'a' }],
    });
    expect(() => fromWireBankPage({ total_pages: 2, current_page: 1 })).toThrow(/records/);
    expect(() => fromWireBankPage({ total_pages: '2', current_page: 1, records: [] })).toThrow(/total_pages/);
  });

  test('legacy transaction status', () => {
    const body = { status: false, state: 'Partially refunded', detail: 'Transaction partially refunded.' };
    expect(looksLikeTransactionStatus(body)).toBe(true);
    expect(fromWireTransactionStatus(body)).toStrictEqual(body);
    expect(looksLikeTransactionStatus({ detail: 'Invalid token.', status_code: 401 })).toBe(false);
    expect(looksLikeTransactionStatus({ status: 'false', state: 'Error', detail: 'x' })).toBe(false);
  });
});
