/**
 * Property-based tests for money arithmetic and the rules that guard it:
 *  - validateInitiate: a breakdown is accepted iff it adds up to the amount (checked against exact
 *    BigInt arithmetic); invalid amounts / too-small amounts always yield a userError at
 *    ["input","amount"] with the right code; banking modes need 10000 paisa; every invalid field
 *    yields a userError at that field's path.
 *  - status rules: mayMove never leaves a money-moved status for an earlier one, the given-up ends
 *    (EXPIRED, USER_CANCELED, FAILED) yield only to Khalti's Completed and what follows it (late
 *    completion), isPaid/hasAmountMismatch agree with their definitions.
 *  - GraphQL Int range (e2e): an amount outside 32-bit signed range is BAD_USER_INPUT, and
 *    nothing is written or sent to Khalti.
 */
import fc from 'fast-check';
import { PAYMENT_MODES, type PaymentMode } from '../../src/khalti/khalti.types';
import { PAYMENT_STATUSES, type PaymentStatus } from '../../src/payments/payment-status';
import { MAX_TEXT_LENGTH, MAX_TTL_SECONDS, MIN_AMOUNT, MIN_BANKING_AMOUNT, validateInitiate, type InitiateInput } from '../../src/payments/initiate.validation';
import { hasAmountMismatch, isFinal, isLateCompletion, isMoneyMoved, isPaid, isRefundable, mayMove } from '../../src/payments/status.rules';
import type { UserError } from '../../src/payments/user-error';
import { ADMIN_KEY, CLIENT_KEY, type TestGateway } from '../support/gateway';
import { INITIATE, PAYMENT, REFUND, VERIFY } from '../support/operations';
import { completed } from '../support/payments';
import { fcParams, INT_MAX, INT_MIN, rowCounts, startPropertyGateway, uniqueOrderId, upstreamCounts } from './support';

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

// ---------------------------------------------------------------------------------------------
// Arbitraries

/** Whitespace that String.prototype.trim removes (what the gateway treats as blank). */
const whitespace = fc.string({ unit: fc.constantFrom(' ', '\t', '\n', '\r', '\u00a0', '\u2003', '\ufeff', '\u3000'), maxLength: 6 });
/** Text with at least one non-blank character, at most `max` long once trimmed. */
const text = (max = 40) =>
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: max }).filter((value) => value.trim().length > 0 && value.trim().length <= max);
const httpUrl = fc.constantFrom(
  'https://shop.example.com/checkout/done?cart=42',
  'http://localhost:3000/return',
  'https://xn--80ak6aa92e.com/',
  'http://127.0.0.1:8080/a/b#frag',
);

/** An input validateInitiate accepts, for amount >= MIN_BANKING_AMOUNT-safe tweaking by callers. */
const validInput = (amount: fc.Arbitrary<number> = fc.integer({ min: MIN_AMOUNT, max: MAX_SAFE })): fc.Arbitrary<InitiateInput> =>
  fc.record({
    returnUrl: httpUrl,
    websiteUrl: httpUrl,
    amount,
    purchaseOrderId: text(MAX_TEXT_LENGTH),
    purchaseOrderName: text(MAX_TEXT_LENGTH),
  });

/** The top-level input field a code like "input.customerInfo.email:INVALID_VALUE" is about. */
const topField = (code: string) => code.split(':')[0]!.split('.')[1];

const codes = (errors: UserError[]) => errors.map((error) => `${(error.field ?? ['<none>']).join('.')}:${error.code}`);

/** Exact sum, immune to float rounding, as the oracle for the breakdown rule. */
const exactSum = (items: { amount: number }[]) => items.reduce((total, item) => total + BigInt(item.amount), 0n);

/** Splits `amount` into parts (>= 0) that add up to it exactly. */
const splitsOf = (amount: number) =>
  fc.array(fc.integer({ min: 0, max: amount }), { minLength: 0, maxLength: 6 }).map((cuts) => {
    const points = [0, ...cuts.sort((a, b) => a - b), amount];
    return points.slice(1).map((point, index) => point - points[index]!);
  });

const label = text(20);

// ---------------------------------------------------------------------------------------------

describe('validateInitiate: amounts and breakdowns', () => {
  it('accepts a breakdown iff its parts add up exactly to amount (any size, up to MAX_SAFE_INTEGER)', () => {
    const breakdownFor = (amount: number) =>
      fc.oneof(
        // adds up exactly
        splitsOf(amount),
        // adds up, then one part moved by a non-zero delta (kept >= 0)
        fc.tuple(splitsOf(amount), fc.nat(), fc.integer({ min: -1000, max: 1000 }).filter((delta) => delta !== 0)).map(([parts, at, delta]) => {
          const index = at % parts.length;
          parts[index] = Math.min(MAX_SAFE, Math.max(0, parts[index]! + delta));
          return parts;
        }),
        // anything non-negative, including sums far beyond 2^53 that floats cannot hold exactly
        fc.array(fc.oneof(fc.integer({ min: 0, max: INT_MAX }), fc.integer({ min: 0, max: MAX_SAFE }), fc.constant(MAX_SAFE)), { minLength: 1, maxLength: 6 }),
      );
    const arb = fc
      .oneof(fc.integer({ min: MIN_AMOUNT, max: 1_000_000 }), fc.integer({ min: MIN_AMOUNT, max: MAX_SAFE }), fc.constantFrom(MAX_SAFE, MAX_SAFE - 1, INT_MAX))
      .chain((amount) => fc.tuple(validInput(fc.constant(amount)), breakdownFor(amount), fc.array(label, { minLength: 7, maxLength: 7 })));

    fc.assert(
      fc.property(arb, ([input, parts, labels]) => {
        const amountBreakdown = parts.map((amount, index) => ({ label: labels[index]!, amount }));
        const errors = validateInitiate({ ...input, amountBreakdown });
        const addsUp = amountBreakdown.length === 0 || exactSum(amountBreakdown) === BigInt(input.amount);
        if (addsUp) {
          expect(errors).toEqual([]);
        } else {
          expect(codes(errors)).toEqual(['input.amountBreakdown:AMOUNT_BREAKDOWN_MISMATCH']);
        }
      }),
      fcParams(400),
    );
  });

  it('flags a breakdown part that is negative, fractional or unsafe at its own path, and never accepts it', () => {
    const badPart = fc.oneof(
      fc.integer({ min: -MAX_SAFE, max: -1 }),
      fc.double({ noInteger: true }),
      fc.constantFrom(MAX_SAFE + 1, 2 ** 53, 1e21, Infinity, -Infinity, NaN, 0.5),
    );
    const arb = fc.tuple(validInput(fc.integer({ min: MIN_AMOUNT, max: 1_000_000 })), fc.array(fc.integer({ min: 0, max: 10_000 }), { maxLength: 4 }), fc.nat(), badPart, label);
    fc.assert(
      fc.property(arb, ([input, goodParts, at, bad, name]) => {
        const index = at % (goodParts.length + 1);
        const parts = [...goodParts];
        parts.splice(index, 0, bad);
        const errors = validateInitiate({ ...input, amountBreakdown: parts.map((amount) => ({ label: name, amount })) });
        expect(codes(errors)).toContain(`input.amountBreakdown.${index}.amount:INVALID_AMOUNT`);
        // Only that part, plus (possibly) the sum: nothing else is blamed.
        for (const code of codes(errors)) {
          expect([`input.amountBreakdown.${index}.amount:INVALID_AMOUNT`, 'input.amountBreakdown:AMOUNT_BREAKDOWN_MISMATCH']).toContain(code);
        }
      }),
      fcParams(300),
    );
  });

  it('answers an amount that is not a positive safe integer with exactly one INVALID_AMOUNT at ["input","amount"]', () => {
    const invalidAmount = fc.oneof(
      fc.integer({ min: -MAX_SAFE, max: 0 }),
      fc.double({ noInteger: true }),
      fc.double({ min: 2 ** 53, max: 1e300, noNaN: true }),
      fc.constantFrom(0, -0, NaN, Infinity, -Infinity, MAX_SAFE + 1, 2 ** 53, 0.1, 999.5, 1000.5, -1),
    );
    const modes = fc.option(fc.subarray([...PAYMENT_MODES]), { nil: undefined });
    fc.assert(
      fc.property(validInput(invalidAmount), modes, (input, chosen) => {
        const errors = validateInitiate({ ...input, modes: chosen });
        expect(errors).toHaveLength(1);
        expect(errors[0]).toMatchObject({ field: ['input', 'amount'], code: 'INVALID_AMOUNT' });
      }),
      fcParams(400),
    );
  });

  it('enforces the minimum: 1000 paisa, or 10000 when a banking mode or a bank is chosen', () => {
    // Independent of the implementation: every mode but KHALTI is a banking mode (DESIGN section 1).
    const banking = (modes: PaymentMode[] | undefined, bank: string | undefined) =>
      (modes ?? []).some((mode) => mode !== 'KHALTI') || (bank !== undefined && bank.trim() !== '');
    const modes = fc.option(fc.array(fc.constantFrom(...PAYMENT_MODES), { maxLength: 6 }), { nil: undefined });
    const bank = fc.option(fc.constantFrom('ADBL', 'NABIL', 'some-idx'), { nil: undefined });
    const amount = fc.oneof(
      fc.integer({ min: 1, max: MIN_BANKING_AMOUNT + 10 }),
      fc.constantFrom(1, MIN_AMOUNT - 1, MIN_AMOUNT, MIN_AMOUNT + 1, MIN_BANKING_AMOUNT - 1, MIN_BANKING_AMOUNT, MIN_BANKING_AMOUNT + 1),
      fc.integer({ min: 1, max: MAX_SAFE }),
    );
    fc.assert(
      fc.property(validInput(amount), modes, bank, (input, chosenModes, chosenBank) => {
        const errors = validateInitiate({ ...input, modes: chosenModes, bank: chosenBank });
        const minimum = banking(chosenModes, chosenBank) ? 10000 : 1000;
        if (input.amount < minimum) {
          expect(errors).toHaveLength(1);
          expect(errors[0]).toMatchObject({ field: ['input', 'amount'], code: 'AMOUNT_TOO_SMALL' });
          expect(errors[0]!.message).toContain(String(minimum));
        } else {
          expect(errors).toEqual([]);
        }
      }),
      fcParams(500),
    );
  });
});

// ---------------------------------------------------------------------------------------------

/** One way to break one field, and what must be reported for it. */
interface Mutation {
  name: string;
  apply(input: InitiateInput): InitiateInput;
  expected: string;
}

const notUrl = fc.oneof(
  fc.constantFrom('ftp://example.com/', 'javascript:alert(1)', 'mailto:a@example.com', 'shop dot com', '//example.com/x', 'http://', 'https://', 'data:text/html,hi', '/relative', 'file:///etc/passwd', 'example.com'),
  // no colon: cannot be an absolute URL
  fc.string({ minLength: 1, maxLength: 30 }).filter((value) => !value.includes(':') && value.trim().length > 0),
);
const tooLong = fc.string({ minLength: MAX_TEXT_LENGTH + 1, maxLength: MAX_TEXT_LENGTH + 300 }).filter((value) => value.trim().length > MAX_TEXT_LENGTH);
const badMerchantKey = fc.oneof(
  fc.constant(''),
  fc.string({ unit: fc.constantFrom('a', 'Z', '0', '_'), minLength: 65, maxLength: 80 }),
  fc.string({ minLength: 1, maxLength: 20 }).filter((value) => !/^[A-Za-z0-9_]{1,64}$/.test(value)),
);
const badTtl = fc.oneof(fc.integer({ min: -MAX_SAFE, max: 0 }), fc.integer({ min: MAX_TTL_SECONDS + 1, max: MAX_SAFE }), fc.double({ noInteger: true }));

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  ...(['returnUrl', 'websiteUrl'] as const).flatMap((field) => [
    whitespace.map((value): Mutation => ({ name: `${field} blank`, apply: (input) => ({ ...input, [field]: value }), expected: `input.${field}:BLANK` })),
    notUrl.map((value): Mutation => ({ name: `${field}=${JSON.stringify(value)}`, apply: (input) => ({ ...input, [field]: value }), expected: `input.${field}:INVALID_URL` })),
  ]),
  ...(['purchaseOrderId', 'purchaseOrderName'] as const).flatMap((field) => [
    whitespace.map((value): Mutation => ({ name: `${field} blank`, apply: (input) => ({ ...input, [field]: value }), expected: `input.${field}:BLANK` })),
    tooLong.map((value): Mutation => ({ name: `${field} too long`, apply: (input) => ({ ...input, [field]: value }), expected: `input.${field}:INVALID_VALUE` })),
  ]),
  fc.tuple(fc.array(fc.stringMatching(/^[A-Za-z0-9_]{1,10}$/), { maxLength: 3 }), badMerchantKey).map(([goodKeys, bad]): Mutation => {
    const keys = [...new Set(goodKeys)];
    return {
      name: `merchantExtra key ${JSON.stringify(bad)}`,
      apply: (input) => ({ ...input, merchantExtra: [...keys, bad].map((key) => ({ key, value: 'v' })) }),
      expected: `input.merchantExtra.${keys.length}.key:INVALID_VALUE`,
    };
  }),
  fc.stringMatching(/^[A-Za-z0-9_]{1,64}$/).map((key): Mutation => ({
    name: `duplicate merchantExtra key ${key}`,
    apply: (input) => ({ ...input, merchantExtra: [{ key, value: 'a' }, { key, value: 'b' }] }),
    expected: 'input.merchantExtra.1.key:INVALID_VALUE',
  })),
  fc.string({ minLength: 1, maxLength: 30 }).filter((value) => value.trim().length > 0 && !value.includes('@')).map((email): Mutation => ({
    name: `email ${JSON.stringify(email)}`,
    apply: (input) => ({ ...input, customerInfo: { name: 'Buyer', email } }),
    expected: 'input.customerInfo.email:INVALID_VALUE',
  })),
  whitespace.map((bank): Mutation => ({ name: 'bank blank', apply: (input) => ({ ...input, bank }), expected: 'input.bank:BLANK' })),
  badTtl.map((ttl): Mutation => ({ name: `ttl ${ttl}`, apply: (input) => ({ ...input, ttl }), expected: 'input.ttl:INVALID_VALUE' })),
  whitespace.map((blank): Mutation => ({
    name: 'breakdown label blank',
    apply: (input) => ({ ...input, amountBreakdown: [{ label: blank, amount: input.amount }] }),
    expected: 'input.amountBreakdown.0.label:BLANK',
  })),
  fc.integer({ min: -MAX_SAFE, max: 0 }).map((quantity): Mutation => ({
    name: `product quantity ${quantity}`,
    apply: (input) => ({ ...input, productDetails: [{ identity: 'sku', name: 'thing', totalPrice: 0, quantity, unitPrice: 0 }] }),
    expected: 'input.productDetails.0.quantity:INVALID_VALUE',
  })),
  fc.tuple(fc.constantFrom('unitPrice', 'totalPrice'), fc.integer({ min: -MAX_SAFE, max: -1 })).map(([field, price]): Mutation => ({
    name: `product ${field} ${price}`,
    apply: (input) => ({ ...input, productDetails: [{ identity: 'sku', name: 'thing', totalPrice: 100, quantity: 1, unitPrice: 100, [field]: price }] }),
    expected: `input.productDetails.0.${field}:INVALID_AMOUNT`,
  })),
  fc.tuple(fc.constantFrom('identity', 'name'), whitespace).map(([field, blank]): Mutation => ({
    name: `product ${field} blank`,
    apply: (input) => ({ ...input, productDetails: [{ identity: 'sku', name: 'thing', totalPrice: 100, quantity: 1, unitPrice: 100, [field]: blank }] }),
    expected: `input.productDetails.0.${field}:BLANK`,
  })),
);

describe('validateInitiate: every invalid field is reported at its own path', () => {
  it('reports each broken field, and only broken fields', () => {
    // Mutations touching different top-level fields, applied together.
    const mutations = fc.uniqueArray(mutation, { minLength: 1, maxLength: 4, selector: (m) => topField(m.expected) });
    fc.assert(
      fc.property(validInput(fc.integer({ min: MIN_BANKING_AMOUNT, max: MAX_SAFE })), mutations, (input, chosen) => {
        const broken = chosen.reduce((current, m) => m.apply(current), input);
        const reported = codes(validateInitiate(broken));
        for (const m of chosen) expect(reported).toContain(m.expected);
        const touched = new Set(chosen.map((m) => topField(m.expected)));
        for (const code of reported) expect(touched).toContain(topField(code));
      }),
      fcParams(500),
    );
  });
});

// ---------------------------------------------------------------------------------------------

describe('status rules', () => {
  const status = fc.constantFrom(...PAYMENT_STATUSES);
  /** Where a status sits in a payment's life; a lookup may never take a payment to a lower rank. */
  const RANK: Record<PaymentStatus, number> = {
    UNKNOWN: 0,
    INITIATED: 0,
    PENDING: 1,
    COMPLETED: 2,
    PARTIALLY_REFUNDED: 3,
    REFUNDED: 4,
    EXPIRED: 4,
    USER_CANCELED: 4,
    FAILED: 4,
  };

  it('no sequence of allowed moves leaves a final status for an earlier one, or visits a final status twice', () => {
    fc.assert(
      fc.property(status, fc.array(status, { maxLength: 30 }), (start, reported) => {
        let current = start;
        const visitedFinal = new Set<PaymentStatus>(isFinal(start) ? [start] : []);
        for (const next of reported) {
          if (!mayMove(current, next)) continue;
          expect(next).not.toBe(current);
          if (isFinal(current)) {
            expect(isFinal(next)).toBe(true);
            if (isMoneyMoved(current)) {
              // Money states only move forward along the refund path.
              expect(RANK[next]).toBeGreaterThan(RANK[current]);
              expect(isRefundable(current)).toBe(true);
            } else {
              // An unsuccessful end gives way only to Khalti's word that the money moved (late completion).
              expect(isLateCompletion(current, next)).toBe(true);
            }
          }
          expect(visitedFinal.has(next)).toBe(false);
          if (isFinal(next)) visitedFinal.add(next);
          current = next;
        }
      }),
      fcParams(1000),
    );
  });

  it('COMPLETED is never left backwards, the given-up ends yield only to the money moving, and an inferred EXPIRED to any answer', () => {
    fc.assert(
      fc.property(status, status, (from, to) => {
        if (mayMove(from, to) && isFinal(from) && isMoneyMoved(from)) expect(['REFUNDED', 'PARTIALLY_REFUNDED']).toContain(to);
        if (mayMove(from, to) && isFinal(from) && !isMoneyMoved(from)) expect(isMoneyMoved(to)).toBe(true);
        // Khalti's Completed always reaches the record, from wherever the gateway stood.
        if (!isMoneyMoved(from)) expect(mayMove(from, 'COMPLETED')).toBe(true);
        // A guess of the gateway's gives way to whatever Khalti says, except the Initiated it was made from.
        if (to !== 'EXPIRED') expect(mayMove('EXPIRED', to, true)).toBe(to !== 'INITIATED' && to !== 'UNKNOWN');
        if (isRefundable(from)) expect(isFinal(from)).toBe(true);
      }),
      fcParams(300),
    );
  });

  it('isPaid and hasAmountMismatch match their definitions for any amounts', () => {
    const amount = fc.oneof(fc.integer({ min: 0, max: INT_MAX }), fc.integer(), fc.constant(1300));
    fc.assert(
      fc.property(status, amount, fc.option(amount, { nil: null }), fc.boolean(), fc.nat(), fc.boolean(), (s, initiated, reported, same, refundedAmount, refunded) => {
        const totalAmount = same ? initiated : reported;
        const payment = { status: s, amount: initiated, totalAmount, refundedAmount, refunded };
        expect(isPaid(payment)).toBe(s === 'COMPLETED' && totalAmount === initiated && refundedAmount === 0 && !refunded);
        expect(hasAmountMismatch(payment)).toBe(totalAmount !== null && totalAmount !== initiated);
        if (isPaid(payment)) expect(hasAmountMismatch(payment)).toBe(false);
        if (s !== 'COMPLETED') expect(isPaid(payment)).toBe(false);
      }),
      fcParams(500),
    );
  });
});

// ---------------------------------------------------------------------------------------------

describe('GraphQL Int range, end to end', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startPropertyGateway();
  });
  afterAll(() => gateway.close());

  const outOfInt = fc.oneof(
    fc.integer({ min: INT_MAX + 1, max: MAX_SAFE }),
    fc.integer({ min: -MAX_SAFE, max: INT_MIN - 1 }),
    fc.constantFrom(INT_MAX + 1, INT_MIN - 1, 2 ** 32, 2 ** 32 + 1300, MAX_SAFE, 1e21),
  );
  /** Every Int in initiatePayment's input. */
  const where = fc.constantFrom('amount', 'breakdown', 'productTotal', 'productQuantity', 'productUnit', 'ttl');

  it('refuses an Int outside 32-bit signed range anywhere in initiatePayment as BAD_USER_INPUT, writing and sending nothing', async () => {
    await fc.assert(
      fc.asyncProperty(outOfInt, where, async (big, field) => {
        const input: Record<string, unknown> = {
          returnUrl: 'https://shop.example.com/done',
          websiteUrl: 'https://shop.example.com',
          amount: field === 'amount' ? big : 1300,
          purchaseOrderId: uniqueOrderId('int-range'),
          purchaseOrderName: 'Int range',
        };
        if (field === 'breakdown') input.amountBreakdown = [{ label: 'a', amount: big }];
        if (field.startsWith('product')) {
          input.productDetails = [
            {
              identity: 'sku',
              name: 'thing',
              totalPrice: field === 'productTotal' ? big : 1300,
              quantity: field === 'productQuantity' ? big : 1,
              unitPrice: field === 'productUnit' ? big : 1300,
            },
          ];
        }
        if (field === 'ttl') input.ttl = big;
        const rows = await rowCounts(gateway);
        const initiates = await upstreamCounts().then((counts) => counts.initiate);
        const result = await gateway.gql(INITIATE, { input }, CLIENT_KEY);
        expect(result.status).toBe(400);
        expect(result.data?.initiatePayment ?? null).toBeNull();
        expect(result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
        expect((await rowCounts(gateway))).toEqual(rows);
        expect(await upstreamCounts().then((counts) => counts.initiate)).toBe(initiates);
      }),
      fcParams(40),
    );
  });

  it('refuses a refund amount outside Int range as BAD_USER_INPUT, refunding nothing', async () => {
    const { pidx } = await completed(gateway, { amount: 5000, amountBreakdown: null });
    await fc.assert(
      fc.asyncProperty(outOfInt, async (big) => {
        const rows = await rowCounts(gateway);
        const refunds = await upstreamCounts().then((counts) => counts.refund);
        const result = await gateway.gql(REFUND, { input: { pidx, amount: big } }, ADMIN_KEY);
        expect(result.status).toBe(400);
        expect(result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
        expect((await rowCounts(gateway))).toEqual(rows);
        expect(await upstreamCounts().then((counts) => counts.refund)).toBe(refunds);
      }),
      fcParams(20),
    );
    const read = await gateway.gql(PAYMENT, { pidx }, ADMIN_KEY);
    expect(read.data.payment).toMatchObject({ refundedAmount: 0, status: 'COMPLETED' });
  });

  it('takes the largest Int as an amount, and refunds of it add up exactly (parts, then the rest)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 1, max: INT_MAX }), { minLength: 1, maxLength: 3 }), async (wanted) => {
        const { pidx } = await completed(gateway, { amount: INT_MAX, amountBreakdown: [{ label: 'all', amount: INT_MAX }] });
        let refunded = 0;
        for (const amount of wanted) {
          const result = await gateway.gql(REFUND, { input: { pidx, amount } }, ADMIN_KEY);
          expect(result.errors).toBeUndefined();
          const payload = result.data.refund;
          if (refunded === INT_MAX) {
            // Nothing left at all: the payment is not refundable any more (whatever the amount).
            expect(payload.userErrors).toEqual([expect.objectContaining({ code: 'NOT_REFUNDABLE', field: ['input', 'pidx'] })]);
          } else if (refunded + amount > INT_MAX) {
            expect(payload.userErrors).toEqual([expect.objectContaining({ code: 'REFUND_EXCEEDS_BALANCE', field: ['input', 'amount'] })]);
          } else {
            expect(payload.refund).toMatchObject({ state: 'SUCCEEDED', amount });
            refunded += amount;
          }
          expect(payload.payment?.refundedAmount ?? refunded).toBe(refunded);
        }
        if (refunded < INT_MAX) {
          const rest = await gateway.gql(REFUND, { input: { pidx } }, ADMIN_KEY);
          expect(rest.data.refund.refund).toMatchObject({ state: 'SUCCEEDED', amount: INT_MAX - refunded });
        }
        // The status follows a lookup (made after each refund; made again here in case that one failed).
        const verified = await gateway.gql(VERIFY, { pidx }, CLIENT_KEY);
        expect(verified.errors).toBeUndefined();
        const read = await gateway.gql(PAYMENT, { pidx }, ADMIN_KEY);
        expect(read.data.payment).toMatchObject({ amount: INT_MAX, totalAmount: INT_MAX, refundedAmount: INT_MAX, status: 'REFUNDED', paid: false });
        const khalti = await gateway.control('GET', `/payments/${pidx}`);
        expect(khalti.refundedAmount).toBe(INT_MAX);
      }),
      fcParams(8),
    );
  });
});
