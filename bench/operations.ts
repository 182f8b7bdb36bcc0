/**
 * The GraphQL documents the benchmark sends. They ask for what a shop's client would ask for (the
 * same selections as test/support/operations.ts), kept here so the bench does not depend on test code.
 */
export const INITIATE = /* GraphQL */ `
  mutation ($input: InitiatePaymentInput!) {
    initiatePayment(input: $input) {
      paymentUrl
      payment { pidx status amount paid expiresAt paymentUrl returnUrl }
      userErrors { field message code }
    }
  }
`;

export const PAYMENT = /* GraphQL */ `
  query ($pidx: ID!) {
    payment(pidx: $pidx) { pidx purchaseOrderId status paid amount totalAmount amountMismatch transactionId fee refunded refundedAmount }
  }
`;

export const VERIFY = /* GraphQL */ `
  mutation ($pidx: ID!) { verifyPayment(pidx: $pidx) { pidx status paid totalAmount amountMismatch } }
`;

export const REFUND = /* GraphQL */ `
  mutation ($input: RefundInput!) {
    refund(input: $input) {
      refund { id amount mobile state detail }
      payment { pidx status refundedAmount refunded }
      userErrors { field message code }
    }
  }
`;

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
