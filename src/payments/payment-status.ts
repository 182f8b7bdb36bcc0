/**
 * The payment statuses of this gateway's domain. Khalti's lookup strings map onto them
 * (src/khalti/khalti.status.ts), the database stores them, and the GraphQL enum is registered
 * from this list (src/graphql/types/enums.ts): one definition for all three.
 */
export const PAYMENT_STATUSES = [
  'INITIATED',
  'PENDING',
  'COMPLETED',
  'REFUNDED',
  'PARTIALLY_REFUNDED',
  'EXPIRED',
  'USER_CANCELED',
  'FAILED',
  'UNKNOWN',
] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];
