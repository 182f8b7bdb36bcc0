/**
 * Khalti's wire format, snake_case, as documented (and as observed where the docs are silent):
 * paths and the request bodies we build. Responses have no types here on purpose: a 2xx body is
 * still input from the network, so the parsers in khalti.mapping.ts read it from `unknown`,
 * field by field, and only their output (khalti.types.ts) is trusted.
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

/** Wallet: `{}` / `{amount}`; bank: `{mobile}` / `{mobile, amount}`. */
export interface WireRefundRequest {
  amount?: number;
  mobile?: string;
}

export type WireBankPaymentType = 'ebanking' | 'mobilecheckout';
