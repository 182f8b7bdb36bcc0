import { validateInitiate, type InitiateInput } from '../../../src/payments/initiate.validation';

const valid: InitiateInput = {
  returnUrl: 'https://shop.example.com/thanks',
  websiteUrl: 'https://shop.example.com',
  amount: 1300,
  purchaseOrderId: 'order-1',
  purchaseOrderName: 'Khalti logo',
};

const codes = (input: Partial<InitiateInput>) =>
  validateInitiate({ ...valid, ...input }).map((error) => `${error.field?.join('.')}:${error.code}`);

describe('validateInitiate', () => {
  it('accepts a valid input', () => {
    expect(validateInitiate(valid)).toEqual([]);
  });

  it('names each problem by its input path and code', () => {
    expect(codes({ returnUrl: ' ' })).toEqual(['input.returnUrl:BLANK']);
    expect(codes({ websiteUrl: 'javascript:alert(1)' })).toEqual(['input.websiteUrl:INVALID_URL']);
    expect(codes({ purchaseOrderId: '' })).toEqual(['input.purchaseOrderId:BLANK']);
    expect(codes({ purchaseOrderName: '  ' })).toEqual(['input.purchaseOrderName:BLANK']);
    expect(codes({ amount: 0 })).toEqual(['input.amount:INVALID_AMOUNT']);
    expect(codes({ amount: 10.5 })).toEqual(['input.amount:INVALID_AMOUNT']);
    expect(codes({ amount: 999 })).toEqual(['input.amount:AMOUNT_TOO_SMALL']);
    expect(codes({ ttl: 0 })).toEqual(['input.ttl:INVALID_VALUE']);
    expect(codes({ bank: ' ' })).toEqual(['input.bank:BLANK']);
  });

  it('applies the Rs. 100 minimum to banking modes and bank payments', () => {
    expect(codes({ amount: 1000 })).toEqual([]);
    expect(codes({ amount: 9999, modes: ['MOBILE_BANKING'] })).toEqual(['input.amount:AMOUNT_TOO_SMALL']);
    expect(codes({ amount: 9999, bank: 'abc' })).toEqual(['input.amount:AMOUNT_TOO_SMALL']);
    expect(codes({ amount: 9999, modes: ['KHALTI'] })).toEqual([]);
    expect(codes({ amount: 10000, modes: ['EBANKING'] })).toEqual([]);
  });

  it('requires the breakdown to add up to the amount', () => {
    const breakdown = [
      { label: 'Mark Price', amount: 1000 },
      { label: 'VAT', amount: 300 },
    ];
    expect(codes({ amountBreakdown: breakdown })).toEqual([]);
    expect(codes({ amountBreakdown: [{ label: 'Mark Price', amount: 1000 }] })).toEqual(['input.amountBreakdown:AMOUNT_BREAKDOWN_MISMATCH']);
    expect(codes({ amountBreakdown: [{ label: '', amount: 1300 }] })).toEqual(['input.amountBreakdown.0.label:BLANK']);
  });

  it('rejects duplicate or malformed merchant extra keys', () => {
    expect(codes({ merchantExtra: [{ key: 'username', value: 'a' }] })).toEqual([]);
    expect(codes({ merchantExtra: [{ key: 'bad key', value: 'a' }] })).toEqual(['input.merchantExtra.0.key:INVALID_VALUE']);
    expect(
      codes({
        merchantExtra: [
          { key: 'a', value: '1' },
          { key: 'a', value: '2' },
        ],
      }),
    ).toEqual(['input.merchantExtra.1.key:INVALID_VALUE']);
  });

  it('reports every problem at once', () => {
    expect(codes({ returnUrl: '', amount: 5, purchaseOrderName: '' })).toEqual([
      'input.returnUrl:BLANK',
      'input.purchaseOrderName:BLANK',
      'input.amount:AMOUNT_TOO_SMALL',
    ]);
  });
});
