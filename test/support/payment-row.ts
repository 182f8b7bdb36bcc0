/** A stored INITIATED payment row, as initiatePayment would write it, for tests below the API. */
import type { PaymentRow } from '../../src/db/schema';

export function paymentRow(pidx: string, at: Date, overrides: Partial<PaymentRow> = {}): PaymentRow {
  return {
    pidx,
    purchaseOrderId: `order-${pidx}`,
    purchaseOrderName: 'Sticker',
    amount: 1300,
    totalAmount: null,
    status: 'INITIATED',
    transactionId: null,
    fee: null,
    refunded: false,
    refundedAmount: 0,
    paymentUrl: `https://khalti.example/pay/${pidx}`,
    returnUrl: 'https://shop.example.com/done',
    customerName: null,
    customerEmail: null,
    customerPhone: null,
    personalDataErasedAt: null,
    expiryInferred: false,
    lateCompletion: false,
    bankPayment: false,
    requestFingerprint: `fp-${pidx}`,
    expiresAt: new Date(at.getTime() + 30 * 60 * 1000),
    createdAt: at,
    updatedAt: at,
    nextLookupAt: null,
    lookupAttempts: 0,
    version: 0,
    ...overrides,
  };
}
