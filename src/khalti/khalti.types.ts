/**
 * Our side of the Khalti API: camelCase, typed, money in integer paisa.
 * Only files in src/khalti/ know the snake_case wire format these map to.
 */

import type { PaymentStatus } from '../payments/payment-status';

/**
 * Payment status is the domain's (src/payments/payment-status.ts): this connector maps Khalti's
 * lookup strings onto it case-insensitively (khalti.status.ts), never the other way round.
 */
export type { PaymentStatus };

/** Payment modes Khalti accepts in initiate's `modes`. */
export const PAYMENT_MODES = ['KHALTI', 'EBANKING', 'MOBILE_BANKING', 'CONNECT_IPS', 'SCT'] as const;
export type PaymentMode = (typeof PAYMENT_MODES)[number];

/** The two bank lists Khalti publishes (`payment_type=ebanking` / `mobilecheckout`). */
export type BankPaymentType = 'EBANKING' | 'MOBILE_CHECKOUT';

export interface CustomerInfo {
  name?: string;
  email?: string;
  phone?: string;
}

export interface AmountBreakdownItem {
  label: string;
  /** paisa */
  amount: number;
}

export interface ProductDetail {
  identity: string;
  name: string;
  /** paisa */
  totalPrice: number;
  quantity: number;
  /** paisa */
  unitPrice: number;
}

export interface InitiateRequest {
  returnUrl: string;
  websiteUrl: string;
  /** paisa */
  amount: number;
  purchaseOrderId: string;
  purchaseOrderName: string;
  customerInfo?: CustomerInfo;
  amountBreakdown?: AmountBreakdownItem[];
  productDetails?: ProductDetail[];
  /** Sent as `merchant_<key>`; keys are given without the prefix. */
  merchantExtra?: Record<string, string>;
  modes?: PaymentMode[];
  /** Bank.idx from the bank list. */
  bank?: string;
  /** seconds */
  ttl?: number;
}

export interface InitiateResult {
  pidx: string;
  paymentUrl: string;
  expiresAt: Date;
  /** seconds */
  expiresIn: number;
}

export interface LookupResult {
  pidx: string;
  /** paisa, as Khalti reports it */
  totalAmount: number;
  status: PaymentStatus;
  /** The status string exactly as Khalti sent it (for the audit log). */
  rawStatus: string;
  transactionId: string | null;
  /** paisa */
  fee: number;
  refunded: boolean;
}

/**
 * A refund. Wallet payments: omit mobile. Bank payments: mobile is required.
 * No amount means a full refund.
 */
export interface RefundRequest {
  transactionId: string;
  /** The payment's pidx, for the audit hook only: Khalti's refund call does not take it. */
  pidx?: string;
  /** paisa; omit for a full refund */
  amount?: number;
  mobile?: string;
}

export interface RefundResult {
  detail: string;
}

export interface Bank {
  idx: string;
  name: string;
  shortName: string | null;
  logo: string | null;
  swiftCode: string | null;
  address: string | null;
  ebankingUrl: string | null;
  hasEbanking: boolean;
  hasMobileCheckout: boolean;
  hasMobileBanking: boolean;
  hasCardPayment: boolean;
  hasDirectWithdraw: boolean;
  hasNchl: boolean;
  playStore: string | null;
  appStore: string | null;
}

/** Legacy (KPG-1) transaction status by token and amount. */
export interface TransactionStatusResult {
  status: boolean;
  state: string;
  detail: string;
}

export type KhaltiOperation = 'initiate' | 'lookup' | 'refund' | 'banks' | 'transactionStatus';

/**
 * What the client reports about every HTTP exchange with Khalti, so the audit log can record it
 * without the client knowing about tables. Request and response are already redacted.
 */
export interface KhaltiCallEvent {
  operation: KhaltiOperation;
  method: 'GET' | 'POST';
  /** Path and query relative to the Khalti origin, e.g. `/api/v2/epayment/lookup/`. */
  path: string;
  /** The pidx the call concerns, when known. */
  pidx?: string;
  /** The transaction id (refunds), when known. */
  transactionId?: string;
  /** 1 for the first try, 2 for the first retry, ... */
  attempt: number;
  /** Undefined when no response arrived (connect error, timeout, reset). */
  httpStatus?: number;
  /** From the moment a connection was free to the last byte (waiting for one not included). */
  durationMs: number;
  /** How long the attempt waited for a free connection before it could start. */
  queuedMs?: number;
  /**
   * The JSON body sent (or query parameters for GETs), redacted: no secrets, and the buyer's
   * `customer_info` and a refund's `mobile` replaced by `[PERSONAL DATA]`; strings over 512 chars cut.
   */
  request: unknown;
  /** The parsed JSON response, or a truncated text excerpt when unreadable; redacted like `request`. */
  response?: unknown;
  /** Set when the call ended in an error: the error's name and message. */
  error?: { name: string; message: string };
  startedAt: Date;
}

export type KhaltiCallHook = (event: KhaltiCallEvent) => void | Promise<void>;
