/**
 * Validation of `POST /api/v2/epayment/initiate/`, the way Khalti (DRF) does it: every field's
 * errors are collected and returned together, with Khalti's documented messages verbatim.
 *
 * One deliberate difference from stock DRF: cross-field checks (the Rs. 100 banking minimum and
 * the amount_breakdown sum) are reported alongside other fields' errors whenever their own inputs
 * are valid, instead of only once every field is valid. A client sees all its mistakes at once.
 */
import { bankByIdx } from './banks.fixture';
import {
  isPlainObject,
  MSG,
  parseInteger,
  parseString,
  type FieldError,
  type Parsed,
} from './emulator.drf';
import { isValidHttpUrl } from './emulator.url';

export const PAYMENT_MODES = ['KHALTI', 'EBANKING', 'MOBILE_BANKING', 'CONNECT_IPS', 'SCT'] as const;
/** Modes paid through a bank: they raise the minimum to Rs. 100 and make refunds need `mobile`. */
export const BANKING_MODES: readonly string[] = ['EBANKING', 'MOBILE_BANKING', 'CONNECT_IPS', 'SCT'];

export const AMOUNT_MIN_WALLET = 1000;
export const AMOUNT_MIN_BANKING = 10000;
export const MSG_AMOUNT_MIN_WALLET = 'Amount should be greater than Rs. 10, that is 1000 paisa.';
export const MSG_AMOUNT_MIN_BANKING = 'Amount should be greater than Rs. 100, that is 10000 paisa.';
export const MSG_BREAKDOWN_MISMATCH = 'Amount Breakdown mismatch.';
export const MSG_INVALID_EMAIL = 'Enter a valid email address.';

/** ttl bounds (seconds). Khalti documents neither; one second to thirty days is our choice. */
export const TTL_MIN = 1;
export const TTL_MAX = 30 * 24 * 3600;

export interface ValidInitiate {
  returnUrl: string;
  websiteUrl: string;
  amount: number;
  purchaseOrderId: string;
  purchaseOrderName: string;
  modes: string[];
  bank: string | null;
  ttl: number | null;
  merchantExtra: Record<string, unknown>;
}

export type InitiateValidation =
  | { ok: true; value: ValidInitiate }
  | { ok: false; errors: Record<string, FieldError> };

export function validateInitiate(body: unknown): InitiateValidation {
  if (!isPlainObject(body)) {
    return { ok: false, errors: { non_field_errors: [MSG.notADict(body)] } };
  }
  const errors: Record<string, FieldError> = {};
  const take = <T>(field: string, parsed: Parsed<T>): T | undefined => {
    if (parsed.ok) return parsed.value;
    errors[field] = parsed.error;
    return undefined;
  };

  const returnUrl = take('return_url', parseUrl(body.return_url));
  const websiteUrl = take('website_url', parseUrl(body.website_url));
  const amount = take('amount', parseInteger(body.amount));
  const purchaseOrderId = take('purchase_order_id', parseString(body.purchase_order_id));
  const purchaseOrderName = take('purchase_order_name', parseString(body.purchase_order_name));

  const customerError = checkCustomerInfo(body.customer_info);
  if (customerError) errors.customer_info = customerError;

  const breakdown = checkList(body.amount_breakdown, checkBreakdownItem);
  if (breakdown.error) errors.amount_breakdown = breakdown.error;

  const products = checkList(body.product_details, checkProductItem);
  if (products.error) errors.product_details = products.error;

  const modes = parseModes(body.modes);
  if (modes.errors.length > 0) errors.modes = modes.errors;

  const bank = parseBank(body.bank);
  if (!bank.ok) errors.bank = bank.error;

  const ttl = body.ttl === undefined || body.ttl === null ? ok(null) : parseTtl(body.ttl);
  if (!ttl.ok) errors.ttl = ttl.error;

  // Amount rules that depend on other fields; skipped when those fields are themselves wrong.
  if (amount !== undefined) {
    const banking = modes.valid.some((m) => BANKING_MODES.includes(m)) || (bank.ok && bank.value !== null);
    if (amount < AMOUNT_MIN_WALLET && !banking) errors.amount = [MSG_AMOUNT_MIN_WALLET];
    else if (amount < AMOUNT_MIN_BANKING && banking) errors.amount = [MSG_AMOUNT_MIN_BANKING];
    else if (breakdown.sum !== undefined && breakdown.sum !== amount) errors.amount = [MSG_BREAKDOWN_MISMATCH];
  }

  if (Object.keys(errors).length > 0) return { ok: false, errors };

  const merchantExtra: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body)) if (key.startsWith('merchant_')) merchantExtra[key] = value;

  return {
    ok: true,
    value: {
      returnUrl: returnUrl!,
      websiteUrl: websiteUrl!,
      amount: amount!,
      purchaseOrderId: purchaseOrderId!,
      purchaseOrderName: purchaseOrderName!,
      modes: modes.valid,
      bank: bank.ok ? bank.value : null,
      ttl: ttl.ok ? ttl.value : null,
      merchantExtra,
    },
  };
}

function ok<T>(value: T): Parsed<T> {
  return { ok: true, value };
}

function parseUrl(value: unknown): Parsed<string> {
  const text = parseString(value);
  if (!text.ok) return text;
  return isValidHttpUrl(text.value) ? text : { ok: false, error: [MSG.url] };
}

function parseTtl(value: unknown): Parsed<number> {
  const n = parseInteger(value);
  if (!n.ok) return n;
  if (n.value < TTL_MIN) return { ok: false, error: [MSG.minValue(TTL_MIN)] };
  if (n.value > TTL_MAX) return { ok: false, error: [MSG.maxValue(TTL_MAX)] };
  return n;
}

/** modes: a list of choices. Unknown entries are reported; valid ones still count for the minimum. */
function parseModes(value: unknown): { valid: string[]; errors: string[] } {
  if (value === undefined || value === null) return { valid: [], errors: [] };
  if (!Array.isArray(value)) return { valid: [], errors: [MSG.notAList(value)] };
  const valid: string[] = [];
  const errors: string[] = [];
  for (const mode of value) {
    if (typeof mode === 'string' && (PAYMENT_MODES as readonly string[]).includes(mode)) {
      if (!valid.includes(mode)) valid.push(mode);
    } else errors.push(MSG.choice(typeof mode === 'string' ? mode : JSON.stringify(mode)));
  }
  return { valid, errors };
}

/** bank: a Bank.idx from the bank list (DRF SlugRelatedField wording for unknown ones). */
function parseBank(value: unknown): Parsed<string | null> {
  if (value === undefined || value === null) return ok(null);
  const text = parseString(value);
  if (!text.ok) return text;
  return bankByIdx(text.value) ? text : { ok: false, error: [MSG.doesNotExist('idx', text.value)] };
}

/** customer_info: optional object with optional name, email, phone (a DRF nested serializer). */
function checkCustomerInfo(value: unknown): FieldError | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isPlainObject(value)) return { non_field_errors: [MSG.notADict(value)] };
  const errors: Record<string, string[]> = {};
  for (const field of ['name', 'email', 'phone'] as const) {
    if (value[field] === undefined || value[field] === null) continue;
    const text = parseString(value[field], { allowBlank: true });
    if (!text.ok) errors[field] = text.error;
    else if (field === 'email' && text.value !== '' && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(text.value)) {
      errors[field] = [MSG_INVALID_EMAIL];
    }
  }
  return Object.keys(errors).length > 0 ? errors : undefined;
}

type ItemCheck = (item: Record<string, unknown>) => { errors: Record<string, string[]>; amount?: number };

/**
 * A DRF `many=True` nested serializer: errors come back as a list aligned with the items
 * (`[{}, {"amount": ["A valid integer is required."]}]`); a non-list is a non_field_error.
 * Returns the sum of item amounts when every item is valid (used for the breakdown check).
 */
function checkList(value: unknown, check: ItemCheck): { error?: FieldError; sum?: number } {
  if (value === undefined || value === null) return {};
  if (!Array.isArray(value)) return { error: { non_field_errors: [MSG.notAList(value)] } };
  let sum = 0;
  let failed = false;
  const itemErrors = value.map((item): Record<string, unknown> => {
    if (!isPlainObject(item)) {
      failed = true;
      return { non_field_errors: [MSG.notADict(item)] };
    }
    const result = check(item);
    if (Object.keys(result.errors).length > 0) failed = true;
    sum += result.amount ?? 0;
    return result.errors;
  });
  return failed ? { error: itemErrors } : { sum };
}

const checkBreakdownItem: ItemCheck = (item) => {
  const errors: Record<string, string[]> = {};
  const label = parseString(item.label);
  if (!label.ok) errors.label = label.error;
  const amount = parseInteger(item.amount);
  if (!amount.ok) errors.amount = amount.error;
  return { errors, amount: amount.ok ? amount.value : undefined };
};

const checkProductItem: ItemCheck = (item) => {
  const errors: Record<string, string[]> = {};
  for (const field of ['identity', 'name'] as const) {
    const text = parseString(item[field]);
    if (!text.ok) errors[field] = text.error;
  }
  for (const field of ['total_price', 'quantity', 'unit_price'] as const) {
    const n = parseInteger(item[field]);
    if (!n.ok) errors[field] = n.error;
  }
  return { errors };
};
