/**
 * The Khalti API's behaviour, as plain functions from a request's parsed input to an answer
 * (status + JSON body). No HTTP here: emulator.api.ts does transport, auth, logging and faults,
 * which keeps each rule readable and unit-testable.
 */
import { BANK_PAYMENT_TYPES, banksFor, type BankFixture, type BankPaymentType } from './banks.fixture';
import { detailError, isPlainObject, MSG, notFound, parseInteger, parseString, validationError } from './emulator.drf';
import { toNepalIso } from './emulator.format';
import type { EmulatorStore } from './emulator.store';
import type { ApiResult, PaymentRecord } from './emulator.types';
import { BANKING_MODES, validateInitiate } from './emulator.validation';

export interface HandlerContext {
  store: EmulatorStore;
  /** Emulator root as browsers and clients reach it, without a trailing slash. */
  publicUrl: string;
  defaultTtlSeconds: number;
  bankPageSize: number;
}

// ---------------------------------------------------------------------------------------------
// initiate

export function initiate(ctx: HandlerContext, body: unknown): ApiResult {
  const checked = validateInitiate(body);
  if (!checked.ok) return validationError(checked.errors);
  const ttl = checked.value.ttl ?? ctx.defaultTtlSeconds;
  const record = ctx.store.create(checked.value, body as Record<string, unknown>, ttl);
  return {
    status: 200,
    body: {
      pidx: record.pidx,
      payment_url: paymentUrl(ctx, record.pidx),
      expires_at: toNepalIso(record.expiresAt),
      expires_in: ttl,
    },
  };
}

export function paymentUrl(ctx: HandlerContext, pidx: string): string {
  return `${ctx.publicUrl}/pay?pidx=${encodeURIComponent(pidx)}`;
}

// ---------------------------------------------------------------------------------------------
// lookup

/** Statuses Khalti answers with HTTP 400 although the lookup itself worked. */
const LOOKUP_400_STATUSES = new Set(['expired', 'user canceled']);

export function lookup(ctx: HandlerContext, body: unknown): ApiResult {
  if (!isPlainObject(body)) return validationError({ non_field_errors: [MSG.notADict(body)] });
  const pidx = parseString(body.pidx);
  if (!pidx.ok) return validationError({ pidx: pidx.error });
  const record = ctx.store.get(pidx.value);
  return record ? lookupResult(ctx, record) : notFound();
}

/** The lookup answer for a payment, with any test override merged in. */
export function lookupResult(ctx: HandlerContext, record: PaymentRecord): ApiResult {
  const { http_status: forcedStatus, ...forcedFields } = record.lookupOverride ?? {};
  const body = {
    pidx: record.pidx,
    total_amount: record.amount,
    status: ctx.store.effectiveStatus(record) as string,
    transaction_id: record.transactionId,
    fee: record.fee,
    refunded: record.refundedAmount > 0,
    ...forcedFields,
  };
  const status = forcedStatus ?? (LOOKUP_400_STATUSES.has(body.status.toLowerCase()) ? 400 : 200);
  return { status, body };
}

// ---------------------------------------------------------------------------------------------
// refund

export const MSG_REFUND_OK = 'Transaction refund successful.';
export const MSG_REFUND_NOT_COMPLETED = 'Only completed transactions can be refunded.';
export const MSG_REFUND_NOTHING_LEFT = 'Transaction has already been fully refunded.';
export const MSG_REFUND_EXCEEDS = (left: number) =>
  `Refund amount exceeds the refundable amount of ${left} paisa.`;
export const MSG_INVALID_MOBILE = 'Enter a valid mobile number.';

const REFUNDABLE = new Set(['Completed', 'Partially Refunded', 'Refunded']);

/**
 * A bank payment is one initiated for a bank (`bank`) or for banking modes only; Khalti then
 * needs the `mobile` of the Khalti account the money goes back to.
 */
export function isBankPayment(record: PaymentRecord): boolean {
  if (record.bank !== null) return true;
  return record.modes.length > 0 && record.modes.every((m) => BANKING_MODES.includes(m));
}

export function refund(ctx: HandlerContext, transactionId: string, body: unknown): ApiResult {
  // The emulator also finds a payment by its pidx, so "refund an unpaid payment" can be exercised.
  const record = ctx.store.byTransaction(transactionId) ?? ctx.store.get(transactionId);
  if (!record) return notFound();
  const input = body === undefined ? {} : body;
  if (!isPlainObject(input)) return validationError({ non_field_errors: [MSG.notADict(input)] });

  if (!REFUNDABLE.has(ctx.store.effectiveStatus(record))) return detailError(400, MSG_REFUND_NOT_COMPLETED);
  const left = ctx.store.remaining(record);
  if (left <= 0) return detailError(400, MSG_REFUND_NOTHING_LEFT);

  const errors: Record<string, string[]> = {};
  let mobile: string | null = null;
  if (isBankPayment(record)) {
    const parsed = parseString(input.mobile);
    if (!parsed.ok) errors.mobile = parsed.error;
    else if (!/^\d{10}$/.test(parsed.value)) errors.mobile = [MSG_INVALID_MOBILE];
    else mobile = parsed.value;
  }
  let amount = left; // no amount: a full refund of what is left
  if (input.amount !== undefined && input.amount !== null) {
    const parsed = parseInteger(input.amount);
    if (!parsed.ok) errors.amount = parsed.error;
    else if (parsed.value < 1) errors.amount = [MSG.minValue(1)];
    else amount = parsed.value;
  }
  if (Object.keys(errors).length > 0) return validationError(errors);
  if (amount > left) return detailError(400, MSG_REFUND_EXCEEDS(left));

  ctx.store.refund(record, amount, mobile);
  return { status: 200, body: { detail: MSG_REFUND_OK } };
}

// ---------------------------------------------------------------------------------------------
// bank list

/** DRF PageNumberPagination's cap on `page_size`. */
export const MAX_BANK_PAGE_SIZE = 100;
export const MSG_INVALID_PAGE = 'Invalid page.';

export function bankList(ctx: HandlerContext, query: Record<string, string>): ApiResult {
  const type = query.payment_type;
  if (type === undefined || type.trim() === '') {
    return validationError({ payment_type: [type === undefined ? MSG.required : MSG.blank] });
  }
  if (!(BANK_PAYMENT_TYPES as readonly string[]).includes(type)) {
    return validationError({ payment_type: [MSG.choice(type)] });
  }
  const records = banksFor(type as BankPaymentType);

  // DRF: an unusable page_size falls back to the default; an unusable page is a 404.
  const sizeParam = positiveInt(query.page_size);
  const pageSize = sizeParam ? Math.min(sizeParam, MAX_BANK_PAGE_SIZE) : ctx.bankPageSize;
  const totalPages = Math.max(1, Math.ceil(records.length / pageSize));
  const page = query.page === undefined ? 1 : query.page === 'last' ? totalPages : positiveInt(query.page);
  if (!page || page > totalPages) return detailError(404, MSG_INVALID_PAGE);

  const start = (page - 1) * pageSize;
  const slice = records.slice(start, start + pageSize);
  const link = (n: number | null) => {
    const params = new URLSearchParams({ payment_type: type });
    if (n !== null) params.set('page', String(n));
    if (sizeParam) params.set('page_size', String(sizeParam));
    return `${ctx.publicUrl}/api/v5/bank/?${params.toString()}`;
  };
  return {
    status: 200,
    body: {
      total_pages: totalPages,
      total_records: records.length,
      next: page < totalPages ? link(page + 1) : null,
      // DRF drops `page` from the link to the first page.
      previous: page > 1 ? link(page === 2 ? null : page - 1) : null,
      record_range: [slice.length > 0 ? start + 1 : 0, start + slice.length],
      current_page: page,
      records: slice.map((b) => bankRecord(ctx, b)),
    },
  };
}

function positiveInt(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d+$/.test(value)) return undefined;
  const n = Number(value);
  return n >= 1 && Number.isSafeInteger(n) ? n : undefined;
}

/** A bank as Khalti sends it: every field of its sample, in its order. */
function bankRecord(ctx: HandlerContext, b: BankFixture): Record<string, unknown> {
  return {
    idx: b.idx,
    name: b.name,
    short_name: b.short_name,
    logo: `${ctx.publicUrl}${b.logo_path}`,
    swift_code: b.swift_code,
    has_cardpayment: b.has_cardpayment,
    address: b.address,
    ebanking_url: b.ebanking_url,
    has_ebanking: b.has_ebanking,
    has_mobile_checkout: b.has_mobile_checkout,
    has_direct_withdraw: b.has_direct_withdraw,
    has_nchl: b.has_nchl,
    has_mobile_banking: b.has_mobile_banking,
    play_store: b.play_store,
    app_store: b.app_store,
    branches: b.branches,
  };
}

// ---------------------------------------------------------------------------------------------
// legacy transaction status

interface LegacyState {
  status: boolean;
  state: string;
  detail: string;
}

/** Khalti's legacy states, verbatim (its "Transaciton" typos included: clients match on them). */
const LEGACY_STATES: Record<string, LegacyState> = {
  completed: { status: true, state: 'Complete', detail: 'Transaction complete.' },
  initiated: { status: true, state: 'Initiated', detail: 'Transaciton initiated.' },
  pending: { status: true, state: 'Confirmed', detail: 'Transaciton not verified.' },
  refunded: { status: false, state: 'Refunded', detail: 'Transaciton refunded.' },
  'partially refunded': { status: false, state: 'Partially refunded', detail: 'Transaction partially refunded.' },
  failed: { status: false, state: 'Failed', detail: 'Transaction failed.' },
  // KPG-2 outcomes the legacy API never named: Khalti says treat them as failed, so it says Failed.
  expired: { status: false, state: 'Failed', detail: 'Transaction failed.' },
  'user canceled': { status: false, state: 'Failed', detail: 'Transaction failed.' },
};
export const LEGACY_NOT_FOUND: LegacyState = { status: false, state: 'Error', detail: 'Transaction not found' };

export function legacyStatus(ctx: HandlerContext, query: Record<string, string>): ApiResult {
  const errors: Record<string, string[]> = {};
  const token = parseString(query.token);
  if (!token.ok) errors.token = token.error;
  const amount = parseInteger(query.amount);
  if (!amount.ok) errors.amount = amount.error;
  if (!token.ok || !amount.ok) return validationError(errors);

  const record = ctx.store.byTransaction(token.value) ?? ctx.store.get(token.value);
  if (!record || record.amount !== amount.value) return { status: 404, body: LEGACY_NOT_FOUND };

  // A lookup override's status (e.g. "Failed") speaks for the legacy API too.
  const raw = record.lookupOverride?.status ?? ctx.store.effectiveStatus(record);
  const state = LEGACY_STATES[raw.trim().toLowerCase()] ?? {
    status: false,
    state: raw,
    detail: 'Transaction state unknown.',
  };
  return { status: 200, body: state };
}
