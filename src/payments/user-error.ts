/** Why the caller's input was refused: the GraphQL enum UserErrorCode is registered from this list. */
export const USER_ERROR_CODES = [
  'BLANK',
  'INVALID_URL',
  'INVALID_AMOUNT',
  'AMOUNT_TOO_SMALL',
  'AMOUNT_BREAKDOWN_MISMATCH',
  'DUPLICATE_PURCHASE_ORDER',
  'NOT_REFUNDABLE',
  'REFUND_EXCEEDS_BALANCE',
  'KHALTI_REJECTED',
  'IDEMPOTENCY_KEY_REUSED',
  'INVALID_VALUE',
  'CHECKOUT_TOKEN_INVALID',
  'REFUND_OUTCOME_UNKNOWN',
  'WEBHOOKS_NOT_CONFIGURED',
] as const;
/** A problem the caller can fix in its input. Returned in payloads, never thrown. */
export type UserErrorCode = (typeof USER_ERROR_CODES)[number];

export interface UserError {
  /** Path to the input field, e.g. ['input', 'amount']; null when it concerns the input as a whole. */
  field: string[] | null;
  message: string;
  code: UserErrorCode;
}

export function userError(field: string[] | null, code: UserErrorCode, message: string): UserError {
  return { field, code, message };
}
