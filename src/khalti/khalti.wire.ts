/**
 * Khalti's wire format, snake_case, as documented (and as observed where the docs are silent).
 * Response types describe what we expect; the parsers in khalti.mapping.ts check every field
 * before trusting it, because a 2xx body is still input from the network.
 */

export const KHALTI_PATHS = {
  initiate: '/api/v2/epayment/initiate/',
  lookup: '/api/v2/epayment/lookup/',
  /** No /v2 here: Khalti's refund API lives beside the ePayment API, not under it. */
  refund: (transactionId: string) => `/api/merchant-transaction/${encodeURIComponent(transactionId)}/refund/`,
  banks: '/api/v5/bank/',
  transactionStatus: '/api/v2/payment/status/',
} as const;

export interface WireCustomerInfo {
  name?: string;
  email?: string;
  phone?: string;
}

export interface WireAmountBreakdownItem {
  label: string;
  amount: number;
}

export interface WireProductDetail {
  identity: string;
  name: string;
  total_price: number;
  quantity: number;
  unit_price: number;
}

export interface WireInitiateRequest {
  return_url: string;
  website_url: string;
  amount: number;
  purchase_order_id: string;
  purchase_order_name: string;
  customer_info?: WireCustomerInfo;
  amount_breakdown?: WireAmountBreakdownItem[];
  product_details?: WireProductDetail[];
  modes?: string[];
  bank?: string;
  ttl?: number;
  /** Merchant metadata: any top-level key starting with `merchant_`. */
  [merchantKey: `merchant_${string}`]: string;
}

export interface WireInitiateResponse {
  pidx: string;
  payment_url: string;
  /** e.g. "2023-05-25T16:26:16.471649+05:45" (microseconds, Nepal offset) */
  expires_at: string;
  expires_in: number;
}

export interface WireLookupRequest {
  pidx: string;
}

export interface WireLookupResponse {
  pidx: string;
  total_amount: number;
  status: string;
  transaction_id: string | null;
  fee: number;
  refunded: boolean;
}

/** Wallet: `{}` / `{amount}`; bank: `{mobile}` / `{mobile, amount}`. */
export interface WireRefundRequest {
  amount?: number;
  mobile?: string;
}

export interface WireRefundResponse {
  detail: string;
}

export type WireBankPaymentType = 'ebanking' | 'mobilecheckout';

export interface WireBank {
  idx: string;
  name: string;
  short_name?: string | null;
  logo?: string | null;
  swift_code?: string | null;
  has_cardpayment?: boolean;
  address?: string | null;
  ebanking_url?: string | null;
  has_ebanking?: boolean;
  has_mobile_checkout?: boolean;
  has_direct_withdraw?: boolean;
  has_nchl?: boolean;
  has_mobile_banking?: boolean;
  play_store?: string | null;
  app_store?: string | null;
  branches?: unknown[];
}

export interface WireBankPage {
  total_pages: number;
  total_records?: number;
  /** Absolute URL of the next page. Never followed: we build page URLs on our own origin. */
  next?: string | null;
  previous?: string | null;
  record_range?: [number, number];
  current_page: number;
  records: WireBank[];
}

export interface WireTransactionStatus {
  status: boolean;
  state: string;
  detail: string;
}

/** `400 {"<field>": ["msg", ...], "error_key": "validation_error"}` */
export type WireValidationError = Record<string, unknown> & { error_key?: string };

/** `{"detail": "Invalid token.", "status_code": 401}`, `{"detail":"Not found.","error_key":"validation_error"}` */
export interface WireDetailError {
  detail: string;
  status_code?: number;
  error_key?: string;
}
