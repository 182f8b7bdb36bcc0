/**
 * camelCase <-> snake_case. Requests are built from typed input (absent optional fields are
 * omitted, never sent as null); responses are checked field by field and a body that does not
 * have the documented shape is rejected (`WireShapeError`), never guessed at.
 */
import { isPidxShaped } from './khalti.pidx';
import { mapKhaltiStatus } from './khalti.status';
import type {
  Bank,
  BankPaymentType,
  InitiateRequest,
  InitiateResult,
  LookupResult,
  RefundRequest,
  RefundResult,
  TransactionStatusResult,
} from './khalti.types';
import type {
  WireBankPaymentType,
  WireInitiateRequest,
  WireRefundRequest,
} from './khalti.wire';

/** A 2xx (or result-carrying) body without the documented shape. The client turns it into `bad_body`. */
export class WireShapeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WireShapeError';
  }
}

// ---------------------------------------------------------------------------------------------
// Requests

/**
 * Amounts travel as JSON integers in paisa. A fraction or an unsafe integer would be silently
 * rounded or truncated somewhere between us and Khalti (a known complaint: "decimal amounts
 * truncated"), so it is refused here even though the gateway validates earlier.
 */
export function assertPaisa(value: unknown, name: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw new TypeError(`${name} must be a safe integer number of paisa, got ${describe(value)}`);
  }
}

function assertInteger(value: unknown, name: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw new TypeError(`${name} must be a safe integer, got ${describe(value)}`);
  }
}

function describe(value: unknown): string {
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return `a string`;
  return value === null ? 'null' : typeof value;
}

export function toWireInitiate(req: InitiateRequest): WireInitiateRequest {
  assertPaisa(req.amount, 'amount');
  const wire: WireInitiateRequest = {
    return_url: req.returnUrl,
    website_url: req.websiteUrl,
    amount: req.amount,
    purchase_order_id: req.purchaseOrderId,
    purchase_order_name: req.purchaseOrderName,
  };
  if (req.customerInfo) {
    const info: NonNullable<WireInitiateRequest['customer_info']> = {};
    if (req.customerInfo.name !== undefined) info.name = req.customerInfo.name;
    if (req.customerInfo.email !== undefined) info.email = req.customerInfo.email;
    if (req.customerInfo.phone !== undefined) info.phone = req.customerInfo.phone;
    if (Object.keys(info).length > 0) wire.customer_info = info;
  }
  if (req.amountBreakdown) {
    wire.amount_breakdown = req.amountBreakdown.map((item, i) => {
      assertPaisa(item.amount, `amountBreakdown[${i}].amount`);
      return { label: item.label, amount: item.amount };
    });
  }
  if (req.productDetails) {
    wire.product_details = req.productDetails.map((p, i) => {
      assertPaisa(p.totalPrice, `productDetails[${i}].totalPrice`);
      assertPaisa(p.unitPrice, `productDetails[${i}].unitPrice`);
      assertInteger(p.quantity, `productDetails[${i}].quantity`);
      return {
        identity: p.identity,
        name: p.name,
        total_price: p.totalPrice,
        quantity: p.quantity,
        unit_price: p.unitPrice,
      };
    });
  }
  if (req.modes) wire.modes = [...req.modes];
  if (req.bank !== undefined) wire.bank = req.bank;
  if (req.ttl !== undefined) {
    assertInteger(req.ttl, 'ttl');
    wire.ttl = req.ttl;
  }
  if (req.merchantExtra) {
    for (const [key, value] of Object.entries(req.merchantExtra)) {
      if (key === '') throw new TypeError('merchantExtra keys must not be empty');
      if (typeof value !== 'string') throw new TypeError(`merchantExtra.${key} must be a string`);
      // Khalti accepts any top-level key starting with merchant_ and echoes it back.
      wire[`merchant_${key}`] = value;
    }
  }
  return wire;
}

export function toWireRefund(req: RefundRequest): WireRefundRequest {
  const wire: WireRefundRequest = {};
  if (req.mobile !== undefined) wire.mobile = req.mobile;
  if (req.amount !== undefined) {
    assertPaisa(req.amount, 'amount');
    wire.amount = req.amount;
  }
  return wire;
}

export function toWireBankPaymentType(type: BankPaymentType): WireBankPaymentType {
  switch (type) {
    case 'EBANKING':
      return 'ebanking';
    case 'MOBILE_CHECKOUT':
      return 'mobilecheckout';
    default:
      throw new TypeError(`Unknown bank payment type: ${String(type)}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Responses

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function field(body: Record<string, unknown>, name: string): unknown {
  return Object.prototype.hasOwnProperty.call(body, name) ? body[name] : undefined;
}

function requireRecord(body: unknown, what: string): Record<string, unknown> {
  if (!isRecord(body)) throw new WireShapeError(`${what}: expected a JSON object`);
  return body;
}

function requireString(body: Record<string, unknown>, name: string): string {
  const v = field(body, name);
  if (typeof v !== 'string') throw new WireShapeError(`${name}: expected a string, got ${typeOf(v)}`);
  return v;
}

function requireNonEmptyString(body: Record<string, unknown>, name: string): string {
  const v = requireString(body, name);
  if (v === '') throw new WireShapeError(`${name}: expected a non-empty string`);
  return v;
}

function requireInteger(body: Record<string, unknown>, name: string): number {
  const v = field(body, name);
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) {
    throw new WireShapeError(`${name}: expected an integer, got ${typeOf(v)}`);
  }
  return v;
}

/**
 * The largest amount the gateway can carry: its API speaks GraphQL Int (32-bit signed), and
 * Khalti's own per-transaction limits are far below it (NPR 21 million).
 */
export const MAX_PAISA = 2 ** 31 - 1;

/** A paisa amount Khalti reports: a whole number from 0 to MAX_PAISA, or the answer is unusable. */
function requirePaisa(body: Record<string, unknown>, name: string): number {
  const v = requireInteger(body, name);
  if (v < 0 || v > MAX_PAISA) throw new WireShapeError(`${name}: ${v} paisa is outside 0..${MAX_PAISA}`);
  return v;
}

function requireBoolean(body: Record<string, unknown>, name: string): boolean {
  const v = field(body, name);
  if (typeof v !== 'boolean') throw new WireShapeError(`${name}: expected a boolean, got ${typeOf(v)}`);
  return v;
}

/** Present as a string or null. Absent is a shape error: the docs always send the key. */
function requireNullableString(body: Record<string, unknown>, name: string): string | null {
  const v = field(body, name);
  if (v === null) return null;
  if (typeof v !== 'string') throw new WireShapeError(`${name}: expected a string or null, got ${typeOf(v)}`);
  return v;
}

/** Optional descriptive string: absent, null or "" all mean "not given". */
function optionalText(body: Record<string, unknown>, name: string): string | null {
  const v = field(body, name);
  if (v === undefined || v === null || v === '') return null;
  if (typeof v !== 'string') throw new WireShapeError(`${name}: expected a string, got ${typeOf(v)}`);
  return v;
}

/** Optional capability flag: absent means not advertised; present but not a boolean is a shape error. */
function optionalFlag(body: Record<string, unknown>, name: string): boolean {
  const v = field(body, name);
  if (v === undefined || v === null) return false;
  if (typeof v !== 'boolean') throw new WireShapeError(`${name}: expected a boolean, got ${typeOf(v)}`);
  return v;
}

function typeOf(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'number' && !Number.isInteger(v)) return 'a fractional number';
  return typeof v;
}

/**
 * A pidx of Khalti's shape and size (khalti.pidx.ts). A pidx is stored, logged, put in URLs and
 * handed to clients, so an answer carrying anything else is unusable; the message describes the
 * value without repeating it (a 100 kB "pidx" must not reach the audit log through an error).
 */
function requirePidx(body: Record<string, unknown>, name: string): string {
  const v = field(body, name);
  if (!isPidxShaped(v)) throw new WireShapeError(`${name}: expected a Khalti pidx (letters, digits, - and _, at most 64), got ${describeText(v)}`);
  return v;
}

/** Khalti's payment URLs are a few dozen characters; anything near this is not one. */
export const MAX_PAYMENT_URL_LENGTH = 2048;

/**
 * The payment_url is handed to clients, which send buyers to it (often as a link or
 * `location.href`). Only an absolute http(s) URL may go there: a `javascript:` or `data:` URL
 * would run in the merchant's page, and a relative one would resolve against it. Whitespace and
 * control characters are refused too, since browsers and URL parsers strip them differently
 * (`java\tscript:` parses as `javascript:`).
 */
function requireHttpUrl(body: Record<string, unknown>, name: string): string {
  const v = field(body, name);
  if (typeof v !== 'string' || v === '') throw new WireShapeError(`${name}: expected an absolute http(s) URL, got ${describeText(v)}`);
  if (v.length > MAX_PAYMENT_URL_LENGTH) throw new WireShapeError(`${name}: expected an absolute http(s) URL, got ${describeText(v)}`);
   
  if (/[\u0000-\u0020\u007f-\u009f]/.test(v)) throw new WireShapeError(`${name}: a URL with whitespace or control characters`);
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    throw new WireShapeError(`${name}: not an absolute URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new WireShapeError(`${name}: the ${JSON.stringify(url.protocol.slice(0, 20))} scheme is not http(s)`);
  }
  if (url.hostname === '' || url.username !== '' || url.password !== '') {
    throw new WireShapeError(`${name}: an http(s) URL needs a host and no credentials`);
  }
  return v;
}

/** What a refused value was, without the value itself. */
function describeText(v: unknown): string {
  if (typeof v !== 'string') return typeOf(v);
  if (v === '') return 'an empty string';
  return `a string of ${v.length} characters`;
}

const KHALTI_TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:?\d{2})$/i;

/**
 * Khalti's timestamps carry microseconds and an offset ("2023-05-25T16:26:16.471649+05:45").
 * `Date.parse` only promises to read the ECMAScript subset (milliseconds), so the fraction is cut
 * to milliseconds and the rest rebuilt explicitly. A timestamp without an offset is refused: we
 * would have to guess the zone.
 */
export function parseKhaltiTimestamp(text: string): Date {
  const m = KHALTI_TIMESTAMP.exec(text.trim());
  if (!m) throw new WireShapeError(`not a timestamp with offset: ${JSON.stringify(text.slice(0, 40))}`);
  const [, y, mo, d, h, mi, s, frac = '', zone] = m as unknown as string[];
  const ms = (frac + '000').slice(0, 3);
  const offset = zone!.toUpperCase() === 'Z' ? 'Z' : zone!.replace(/^([+-]\d{2}):?(\d{2})$/, '$1:$2');
  const date = new Date(`${y}-${mo}-${d}T${h}:${mi}:${s}.${ms}${offset}`);
  if (Number.isNaN(date.getTime())) throw new WireShapeError(`invalid timestamp: ${JSON.stringify(text)}`);
  return date;
}

export function fromWireInitiate(body: unknown): InitiateResult {
  const b = requireRecord(body, 'initiate response');
  const expiresAtText = requireString(b, 'expires_at');
  let expiresAt: Date;
  try {
    expiresAt = parseKhaltiTimestamp(expiresAtText);
  } catch (e) {
    throw new WireShapeError(`expires_at: ${(e as Error).message}`);
  }
  return {
    pidx: requirePidx(b, 'pidx'),
    paymentUrl: requireHttpUrl(b, 'payment_url'),
    expiresAt,
    expiresIn: requireInteger(b, 'expires_in'),
  };
}

/** True when a body is a lookup result (a status string and a pidx), whatever the HTTP status. */
export function looksLikeLookupResult(body: unknown): boolean {
  return isRecord(body) && typeof body.status === 'string' && typeof body.pidx === 'string';
}

export function fromWireLookup(body: unknown, expectedPidx: string): LookupResult {
  const b = requireRecord(body, 'lookup response');
  const pidx = requirePidx(b, 'pidx');
  // A lookup answer about another payment must never be applied to this one.
  if (pidx !== expectedPidx) throw new WireShapeError('pidx: the response concerns a different payment');
  const rawStatus = requireString(b, 'status');
  return {
    pidx,
    totalAmount: requirePaisa(b, 'total_amount'),
    status: mapKhaltiStatus(rawStatus),
    rawStatus,
    transactionId: requireNullableString(b, 'transaction_id'),
    fee: requirePaisa(b, 'fee'),
    refunded: requireBoolean(b, 'refunded'),
  };
}

export function fromWireRefund(body: unknown): RefundResult {
  const b = requireRecord(body, 'refund response');
  return { detail: requireString(b, 'detail') };
}

export function fromWireBank(body: unknown, index: number): Bank {
  try {
    const b = requireRecord(body, 'bank record');
    return {
      idx: requireNonEmptyString(b, 'idx'),
      name: requireString(b, 'name'),
      shortName: optionalText(b, 'short_name'),
      logo: optionalText(b, 'logo'),
      swiftCode: optionalText(b, 'swift_code'),
      address: optionalText(b, 'address'),
      ebankingUrl: optionalText(b, 'ebanking_url'),
      hasEbanking: optionalFlag(b, 'has_ebanking'),
      hasMobileCheckout: optionalFlag(b, 'has_mobile_checkout'),
      hasMobileBanking: optionalFlag(b, 'has_mobile_banking'),
      hasCardPayment: optionalFlag(b, 'has_cardpayment'),
      hasDirectWithdraw: optionalFlag(b, 'has_direct_withdraw'),
      hasNchl: optionalFlag(b, 'has_nchl'),
      playStore: optionalText(b, 'play_store'),
      appStore: optionalText(b, 'app_store'),
    };
  } catch (e) {
    throw new WireShapeError(`records[${index}].${(e as Error).message}`);
  }
}

export interface BankPage {
  currentPage: number;
  totalPages: number;
  banks: Bank[];
}

export function fromWireBankPage(body: unknown): BankPage {
  const b = requireRecord(body, 'bank list response');
  const records = field(b, 'records');
  if (!Array.isArray(records)) throw new WireShapeError(`records: expected an array, got ${typeOf(records)}`);
  const currentPage = requireInteger(b, 'current_page');
  const totalPages = requireInteger(b, 'total_pages');
  return { currentPage, totalPages, banks: records.map((r: unknown, i) => fromWireBank(r, i)) };
}

/** True when a body is a legacy status result, which Khalti sends under 200 and 404 alike. */
export function looksLikeTransactionStatus(body: unknown): boolean {
  return (
    isRecord(body) &&
    typeof body.status === 'boolean' &&
    typeof body.state === 'string' &&
    typeof body.detail === 'string'
  );
}

export function fromWireTransactionStatus(body: unknown): TransactionStatusResult {
  const b = requireRecord(body, 'transaction status response');
  return {
    status: requireBoolean(b, 'status'),
    state: requireString(b, 'state'),
    detail: requireString(b, 'detail'),
  };
}
