/**
 * The GraphQL documents the benchmark sends: the example operations committed for client
 * developers (examples/operations), i.e. what a shop's client actually sends.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const example = (name: string) => readFileSync(join(__dirname, '..', 'examples', 'operations', `${name}.graphql`), 'utf8');

export const INITIATE = example('initiate-payment');
export const PAYMENT = example('payment');
export const VERIFY = example('verify-payment');
export const REFUND = example('refund');

/** A valid initiate input (Rs. 13, with a breakdown and customer info) for a given purchase order id. */
export function orderInput(purchaseOrderId: string): Record<string, unknown> {
  return {
    returnUrl: 'https://shop.example.com/checkout/done?cart=42',
    websiteUrl: 'https://shop.example.com',
    amount: 1300,
    purchaseOrderId,
    purchaseOrderName: 'Khalti logo sticker',
    customerInfo: { name: 'Khalti Bahadur', email: 'buyer@example.com', phone: '9800000123' },
    amountBreakdown: [
      { label: 'Mark Price', amount: 1000 },
      { label: 'VAT', amount: 300 },
    ],
  };
}
