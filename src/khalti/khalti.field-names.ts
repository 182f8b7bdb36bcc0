/**
 * Khalti names initiate's fields in snake_case; the gateway's input uses camelCase. Validation
 * errors are reported against our names, so this translation lives here, with the wire format.
 */
const INITIATE_FIELDS: Record<string, string> = {
  return_url: 'returnUrl',
  website_url: 'websiteUrl',
  amount: 'amount',
  purchase_order_id: 'purchaseOrderId',
  purchase_order_name: 'purchaseOrderName',
  customer_info: 'customerInfo',
  amount_breakdown: 'amountBreakdown',
  product_details: 'productDetails',
  modes: 'modes',
  bank: 'bank',
  ttl: 'ttl',
};

/**
 * Our input field for one of Khalti's initiate field names; merchant_* keys map to merchantExtra.
 * Nested errors arrive flattened (`customer_info.phone`, `amount_breakdown.1.amount`): the
 * top-level field is what the caller can act on.
 */
export function initiateInputField(wireField: string): string | undefined {
  const topLevel = wireField.split('.')[0]!;
  if (topLevel.startsWith('merchant_')) return 'merchantExtra';
  return INITIATE_FIELDS[topLevel];
}

/** Khalti's validation messages, verbatim, and what they mean. */
export type KhaltiMessageKind = 'blank' | 'invalid_url' | 'invalid_integer' | 'amount_too_small' | 'breakdown_mismatch' | 'other';

export function classifyKhaltiMessage(message: string): KhaltiMessageKind {
  if (message === 'This field may not be blank.' || message === 'This field is required.') return 'blank';
  if (message === 'Enter a valid URL.') return 'invalid_url';
  if (message === 'A valid integer is required.') return 'invalid_integer';
  if (message.startsWith('Amount should be greater than')) return 'amount_too_small';
  if (message === 'Amount Breakdown mismatch.') return 'breakdown_mismatch';
  return 'other';
}
