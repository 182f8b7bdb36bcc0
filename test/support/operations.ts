/** The operations the tests send, kept in one place. */
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

export const RESOLVE_REFUND = /* GraphQL */ `
  mutation ($input: ResolveRefundInput!) {
    resolveRefund(input: $input) {
      refund { id amount state detail }
      payment { pidx status refundedAmount paid }
      userErrors { field message code }
    }
  }
`;

export const STATUS_CHANGED = /* GraphQL */ `
  subscription ($pidx: ID!) {
    paymentStatusChanged(pidx: $pidx) { pidx previousStatus status source occurredAt payment { paid totalAmount status } }
  }
`;

export const AUDIT_LOG = /* GraphQL */ `
  query ($pidx: ID, $first: Int, $after: String) {
    auditLog(pidx: $pidx, first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { cursor node { id kind operation pidx actor httpStatus durationMs detail } }
    }
  }
`;

let counter = 0;
/** A valid initiate input with a fresh purchaseOrderId. */
export function orderInput(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  counter += 1;
  return {
    returnUrl: 'https://shop.example.com/checkout/done?cart=42',
    websiteUrl: 'https://shop.example.com',
    amount: 1300,
    purchaseOrderId: `order-${process.pid}-${Date.now()}-${counter}`,
    purchaseOrderName: 'Khalti logo sticker',
    customerInfo: { name: 'Khalti Bahadur', email: 'buyer@example.com', phone: '9800000123' },
    amountBreakdown: [
      { label: 'Mark Price', amount: 1000 },
      { label: 'VAT', amount: 300 },
    ],
    ...overrides,
  };
}

/** paymentStatusChanged with its cursor, resuming after `after` when given. */
export const STATUS_CHANGED_AFTER = /* GraphQL */ `
  subscription ($pidx: ID!, $after: String) {
    paymentStatusChanged(pidx: $pidx, after: $after) { pidx previousStatus status source cursor payment { status refundedAmount } }
  }
`;
