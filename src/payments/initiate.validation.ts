/**
 * What the gateway can tell about an initiate input by itself, before Khalti is called.
 * Rules follow Khalti's own (DESIGN section 1) so a userError here saves a round trip that
 * Khalti would have refused anyway.
 */
import type { InitiateRequest, PaymentMode } from '../khalti/khalti.types';
import { containsNul, stringsIn } from './text.rules';
import { userError, type UserError } from './user-error';

/** Khalti's minimum: Rs. 10. */
export const MIN_AMOUNT = 1000;
/** Khalti's minimum for banking modes: Rs. 100. */
export const MIN_BANKING_AMOUNT = 10000;
/** Khalti's fixed ttl is unknown; a day bounds how long we keep looking a payment up. */
export const MAX_TTL_SECONDS = 24 * 60 * 60;
export const MAX_TEXT_LENGTH = 255;

const BANKING_MODES: ReadonlySet<PaymentMode> = new Set(['EBANKING', 'MOBILE_BANKING', 'CONNECT_IPS', 'SCT']);
const MERCHANT_KEY = /^[A-Za-z0-9_]{1,64}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function usesBanking(input: Pick<InitiateRequest, 'modes' | 'bank'>): boolean {
  return Boolean(input.bank?.trim()) || (input.modes ?? []).some((mode) => BANKING_MODES.has(mode));
}

export function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname.length > 0;
  } catch {
    return false;
  }
}

/**
 * The gateway's initiate input: Khalti's request, but with merchant extras as the key/value list
 * GraphQL carries (so duplicates can be reported) and the merchant's own return URL.
 */
export interface InitiateInput extends Omit<InitiateRequest, 'merchantExtra'> {
  merchantExtra?: { key: string; value: string }[];
}

const path = (...field: string[]) => ['input', ...field];

export function validateInitiate(input: InitiateInput): UserError[] {
  const errors: UserError[] = [];

  for (const { path: field, text } of stringsIn(input)) {
    if (containsNul(text)) errors.push(userError(path(...field), 'INVALID_VALUE', `${field.join('.')} may not contain the NUL character (U+0000).`));
  }

  for (const field of ['returnUrl', 'websiteUrl'] as const) {
    const value = input[field].trim();
    if (!value) errors.push(userError(path(field), 'BLANK', `${field} may not be blank.`));
    else if (!isHttpUrl(value)) errors.push(userError(path(field), 'INVALID_URL', `${field} must be an http(s) URL.`));
  }

  for (const field of ['purchaseOrderId', 'purchaseOrderName'] as const) {
    const value = input[field].trim();
    if (!value) errors.push(userError(path(field), 'BLANK', `${field} may not be blank.`));
    else if (value.length > MAX_TEXT_LENGTH) {
      errors.push(userError(path(field), 'INVALID_VALUE', `${field} may be at most ${MAX_TEXT_LENGTH} characters.`));
    }
  }

  const minimum = usesBanking(input) ? MIN_BANKING_AMOUNT : MIN_AMOUNT;
  if (!Number.isSafeInteger(input.amount) || input.amount <= 0) {
    errors.push(userError(path('amount'), 'INVALID_AMOUNT', 'amount must be a positive whole number of paisa.'));
  } else if (input.amount < minimum) {
    errors.push(
      userError(
        path('amount'),
        'AMOUNT_TOO_SMALL',
        `amount must be at least ${minimum} paisa (Rs. ${minimum / 100})${minimum === MIN_BANKING_AMOUNT ? ' for banking modes' : ''}.`,
      ),
    );
  }

  if (input.amountBreakdown) {
    input.amountBreakdown.forEach((item, index) => {
      if (!item.label.trim()) errors.push(userError(path('amountBreakdown', String(index), 'label'), 'BLANK', 'label may not be blank.'));
      if (!Number.isSafeInteger(item.amount) || item.amount < 0) {
        errors.push(userError(path('amountBreakdown', String(index), 'amount'), 'INVALID_AMOUNT', 'amount must be a whole number of paisa, 0 or more.'));
      }
    });
    const sum = input.amountBreakdown.reduce((total, item) => total + item.amount, 0);
    if (input.amountBreakdown.length > 0 && sum !== input.amount) {
      errors.push(
        userError(path('amountBreakdown'), 'AMOUNT_BREAKDOWN_MISMATCH', `amountBreakdown adds up to ${sum} paisa, not amount (${input.amount}).`),
      );
    }
  }

  input.productDetails?.forEach((product, index) => {
    const at = (field: string) => path('productDetails', String(index), field);
    if (!product.identity.trim()) errors.push(userError(at('identity'), 'BLANK', 'identity may not be blank.'));
    if (!product.name.trim()) errors.push(userError(at('name'), 'BLANK', 'name may not be blank.'));
    if (!Number.isSafeInteger(product.quantity) || product.quantity < 1) {
      errors.push(userError(at('quantity'), 'INVALID_VALUE', 'quantity must be a whole number, 1 or more.'));
    }
    for (const field of ['unitPrice', 'totalPrice'] as const) {
      if (!Number.isSafeInteger(product[field]) || product[field] < 0) {
        errors.push(userError(at(field), 'INVALID_AMOUNT', `${field} must be a whole number of paisa, 0 or more.`));
      }
    }
  });

  const seen = new Set<string>();
  input.merchantExtra?.forEach(({ key }, index) => {
    if (!MERCHANT_KEY.test(key)) {
      errors.push(userError(path('merchantExtra', String(index), 'key'), 'INVALID_VALUE', 'key must be 1-64 letters, digits or underscores.'));
    } else if (seen.has(key)) {
      errors.push(userError(path('merchantExtra', String(index), 'key'), 'INVALID_VALUE', `key "${key}" appears more than once.`));
    }
    seen.add(key);
  });

  const email = input.customerInfo?.email?.trim();
  if (email && !EMAIL.test(email)) {
    errors.push(userError(path('customerInfo', 'email'), 'INVALID_VALUE', 'email is not a valid email address.'));
  }

  if (input.bank !== undefined && !input.bank.trim()) {
    errors.push(userError(path('bank'), 'BLANK', 'bank may not be blank; omit it or pass a Bank.idx from banks().'));
  }

  if (input.ttl !== undefined && (!Number.isSafeInteger(input.ttl) || input.ttl < 1 || input.ttl > MAX_TTL_SECONDS)) {
    errors.push(userError(path('ttl'), 'INVALID_VALUE', `ttl must be between 1 and ${MAX_TTL_SECONDS} seconds.`));
  }

  return errors;
}

/**
 * RETURN_URL_ORIGINS: the buyer is redirected to returnUrl after paying, so without a list any
 * client key could send buyers anywhere. Origins compare exactly (scheme, host, port), so
 * `https://shop.example.com.evil.example` and `http://shop.example.com` are not
 * `https://shop.example.com`. Null: any http(s) origin (not allowed in production).
 */
export function validateReturnUrlOrigin(returnUrl: string, allowedOrigins: readonly string[] | null): UserError[] {
  if (!allowedOrigins || !isHttpUrl(returnUrl.trim())) return [];
  const origin = new URL(returnUrl.trim()).origin;
  if (allowedOrigins.includes(origin)) return [];
  return [userError(path('returnUrl'), 'INVALID_URL', `returnUrl must point to one of the allowed origins (RETURN_URL_ORIGINS); ${origin} is not one.`)];
}
