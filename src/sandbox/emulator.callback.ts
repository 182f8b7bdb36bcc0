/**
 * Where the payment page sends the buyer back: the merchant's return_url plus exactly the query
 * parameters Khalti sends, in Khalti's order (docs: "Sample Callback Request"). Values are
 * percent-encoded (`status=User%20canceled`), and a return_url that already has a query string
 * or a fragment keeps both.
 */
import { maskMobile } from './emulator.format';
import type { PaymentRecord } from './emulator.types';

export function successRedirect(record: PaymentRecord): string {
  const txn = record.transactionId ?? '';
  const pairs: [string, string][] = [
    ['pidx', record.pidx],
    ['txnId', txn],
    ['amount', String(record.amount)],
    ['total_amount', String(record.amount)],
    ['status', 'Completed'],
    ['mobile', record.mobile ? maskMobile(record.mobile) : ''],
    ['tidx', txn],
    ['purchase_order_id', record.purchaseOrderId],
    ['purchase_order_name', record.purchaseOrderName],
    ['transaction_id', txn],
  ];
  // "The additional data starting with merchant_ is returned in success response payload."
  for (const [key, value] of Object.entries(record.merchantExtra)) {
    pairs.push([key, typeof value === 'string' ? value : JSON.stringify(value)]);
  }
  return withParams(record.returnUrl, pairs);
}

export function cancelRedirect(record: PaymentRecord): string {
  return withParams(record.returnUrl, [
    ['pidx', record.pidx],
    ['transaction_id', ''],
    ['tidx', ''],
    ['amount', String(record.amount)],
    ['total_amount', String(record.amount)],
    ['mobile', ''],
    ['status', 'User canceled'],
    ['purchase_order_id', record.purchaseOrderId],
    ['purchase_order_name', record.purchaseOrderName],
  ]);
}

export function withParams(base: string, pairs: [string, string][]): string {
  const url = new URL(base);
  const extra = pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
  const existing = url.search.replace(/^\?/, '');
  url.search = existing === '' ? extra : existing.endsWith('&') ? existing + extra : `${existing}&${extra}`;
  return url.toString();
}
