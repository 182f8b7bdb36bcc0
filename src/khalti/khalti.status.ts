import type { PaymentStatus } from './khalti.types';

/**
 * Khalti's lookup status strings, compared case-insensitively (Khalti itself spells
 * "Partially Refunded" and "Partially refunded"). Anything we do not know is UNKNOWN, which the
 * gateway holds: it is never success.
 */
const BY_LOWERCASE: Record<string, PaymentStatus> = {
  initiated: 'INITIATED',
  pending: 'PENDING',
  completed: 'COMPLETED',
  refunded: 'REFUNDED',
  'partially refunded': 'PARTIALLY_REFUNDED',
  expired: 'EXPIRED',
  'user canceled': 'USER_CANCELED',
  failed: 'FAILED',
};

export function mapKhaltiStatus(raw: unknown): PaymentStatus {
  if (typeof raw !== 'string') return 'UNKNOWN';
  const key = raw.trim().replace(/\s+/g, ' ').toLowerCase();
  return BY_LOWERCASE[key] ?? 'UNKNOWN';
}
