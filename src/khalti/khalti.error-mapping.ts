/**
 * Turning what went wrong into the typed errors of khalti.errors.ts: a Khalti answer that is not
 * a result (`errorFromResponse`), and a transport failure from undici (`unavailableFromTransport`).
 */
import { inspect } from 'node:util';
import {
  KhaltiAuthError,
  KhaltiError,
  KhaltiNotFoundError,
  KhaltiRejectedError,
  KhaltiUnavailableError,
  KhaltiValidationError,
  type UnavailableDetails,
  type UnavailableReason,
} from './khalti.errors';
import { isRecord } from './khalti.mapping';
import { redact, scrubPersonalData, scrubSecret } from './khalti.redact';
import type { KhaltiOperation } from './khalti.types';

/** Keys of Khalti's error envelope that are not field errors. */
const ENVELOPE_KEYS = new Set(['error_key', 'status_code', 'detail']);

/** Khalti's "not found" detail (unknown pidx), which it may send with a 400 as well as a 404. */
const NOT_FOUND_DETAIL = 'not found.';

/**
 * A parsed response body. `json` is undefined when the body was empty or not JSON; `text` is the
 * raw body (for excerpts only).
 */
export interface ReadBody {
  json: unknown;
  text: string;
  isJson: boolean;
}

/**
 * Field errors as Khalti sent them. Top-level `{"field": ["msg", ...]}` arrays are kept verbatim.
 * Django REST Framework nests errors for nested inputs (`customer_info: {phone: [...]}`,
 * `amount_breakdown: [{}, {amount: [...]}]`); those are flattened to dotted paths
 * (`customer_info.phone`, `amount_breakdown.1.amount`) so the type stays `Record<string, string[]>`.
 */
export function extractFieldErrors(body: Record<string, unknown>): Record<string, string[]> {
  const fields: Record<string, string[]> = {};
  const add = (path: string, message: string) => (fields[path] ??= []).push(message);
  const walk = (path: string, value: unknown): void => {
    if (typeof value === 'string') add(path, value);
    else if (Array.isArray(value)) value.forEach((v, i) => (typeof v === 'string' ? add(path, v) : walk(`${path}.${i}`, v)));
    else if (isRecord(value)) for (const [k, v] of Object.entries(value)) walk(`${path}.${k}`, v);
    // numbers, booleans, null carry no message
  };
  for (const [key, value] of Object.entries(body)) {
    if (ENVELOPE_KEYS.has(key)) continue;
    if (Array.isArray(value) || isRecord(value)) walk(key, value);
  }
  return fields;
}

function detailOf(body: unknown): string | undefined {
  return isRecord(body) && typeof body.detail === 'string' ? body.detail : undefined;
}

/**
 * A non-result answer from Khalti. Order matters: 5xx/429 are the server's trouble whatever they
 * say; an unreadable body is never interpreted (a proxy's HTML 404 is not Khalti's "Not found.",
 * and mistaking it for one would make a real payment look unknown).
 */
export function errorFromResponse(
  operation: KhaltiOperation,
  httpStatus: number,
  body: ReadBody,
  secret: string | undefined,
  personal: readonly string[] = [],
  retryAfterSeconds?: number,
): KhaltiError {
  if (httpStatus >= 500 || httpStatus === 429) {
    if (retryAfterSeconds === undefined) return new KhaltiUnavailableError(operation, 'server_error', `HTTP ${httpStatus}`, httpStatus);
    return new KhaltiUnavailableError(
      operation,
      'server_error',
      `HTTP ${httpStatus}; Khalti asked to be called again in ${retryAfterSeconds} s`,
      httpStatus,
      undefined,
      { retryAfterSeconds },
    );
  }
  if (!body.isJson || !isRecord(body.json)) {
    const what = body.text.length === 0 ? 'an empty body' : 'a body that is not a JSON object';
    return new KhaltiUnavailableError(operation, 'bad_body', `HTTP ${httpStatus} with ${what}`, httpStatus);
  }
  // Khalti never echoes our key, but an error's text ends up in logs, so strip it defensively;
  // and an echo of the buyer's data (a refund's mobile in a rejection) would reach the audit
  // log through the error's message, so the request's personal values go too.
  const json = scrubStrings(redact(body.json, secret), personal) as Record<string, unknown>;
  const detail = detailOf(json);

  if (httpStatus === 401 || httpStatus === 403) {
    return new KhaltiAuthError(operation, httpStatus, detail ?? `HTTP ${httpStatus}`);
  }
  if (httpStatus === 404 || detail?.trim().toLowerCase() === NOT_FOUND_DETAIL) {
    return new KhaltiNotFoundError(operation, httpStatus, detail ?? 'Not found.');
  }
  if (httpStatus >= 400 && httpStatus < 500) {
    const fields = extractFieldErrors(json);
    if (Object.keys(fields).length > 0) return new KhaltiValidationError(operation, httpStatus, fields);
    return new KhaltiRejectedError(operation, httpStatus, detail ?? `HTTP ${httpStatus}: ${compactJson(json)}`);
  }
  // 1xx/3xx: undici does not follow redirects, and Khalti's API never sends one. Following a
  // redirect could carry our Authorization header elsewhere, so it is a failure, not a hop.
  return new KhaltiUnavailableError(operation, 'bad_body', `unexpected HTTP ${httpStatus}`, httpStatus);
}

/** Scrubs personal values out of every string (keys kept: field errors name `customer_info.email`). */
function scrubStrings(value: unknown, personal: readonly string[]): unknown {
  if (personal.length === 0) return value;
  if (typeof value === 'string') return scrubPersonalData(value, personal);
  if (Array.isArray(value)) return value.map((v) => scrubStrings(v, personal));
  if (isRecord(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, scrubStrings(v, personal)]));
  return value;
}

/** Longest Retry-After taken as given (a day); a longer one is read as this. */
export const MAX_RETRY_AFTER_SECONDS = 86_400;

/**
 * Retry-After (RFC 9110 section 10.2.3): delay-seconds or an HTTP-date, as whole seconds from
 * now (a date in the past is 0). Anything else, or several values, is ignored (undefined).
 */
export function parseRetryAfter(value: string | string[] | undefined, nowMs: number = Date.now()): number | undefined {
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Math.min(Number(text), MAX_RETRY_AFTER_SECONDS);
  // An HTTP-date names its weekday and zone ("Wed, 21 Oct 2015 07:28:00 GMT"); Date.parse would
  // also take "1" or "2015" as dates.
  if (!/^[A-Za-z]{3,9}, .*\d{2}:\d{2}:\d{2} GMT$/.test(text)) return undefined;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.min(Math.max(0, Math.ceil((at - nowMs) / 1000)), MAX_RETRY_AFTER_SECONDS);
}

function compactJson(value: unknown): string {
  const text = JSON.stringify(value);
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

// ---------------------------------------------------------------------------------------------
// Transport failures

/** Our own total-deadline abort reason, recognised below as a timeout. */
export class KhaltiDeadlineError extends Error {
  readonly code = 'KHALTI_TOTAL_DEADLINE';
  constructor(readonly ms: number) {
    super(`no complete answer within ${ms} ms`);
    this.name = 'KhaltiDeadlineError';
  }
}

const CONNECT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EAI_FAIL',
  'EAI_NONAME',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EHOSTDOWN',
  'EADDRNOTAVAIL',
  'UND_ERR_CLOSED', // our own pool was closed
  'UND_ERR_DESTROYED',
]);
const TIMEOUT_CODES = new Set([
  'KHALTI_TOTAL_DEADLINE',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'ETIMEDOUT',
]);
const BAD_BODY_CODES = new Set(['UND_ERR_RES_EXCEEDED_MAX_SIZE', 'UND_ERR_HEADERS_OVERFLOW', 'UND_ERR_INFO']);

/** The error code, looking through AggregateError (happy-eyeballs connects) and one level of cause. */
function codeOf(err: unknown): string | undefined {
  if (!err || typeof err !== 'object') return undefined;
  const e = err as { code?: unknown; errors?: unknown; cause?: unknown };
  if (typeof e.code === 'string') return e.code;
  if (Array.isArray(e.errors) && e.errors.length > 0) return codeOf(e.errors[0]);
  if (e.cause && e.cause !== err) return codeOf(e.cause);
  return undefined;
}

export function classifyTransportError(err: unknown): UnavailableReason {
  // undici's HTTPParserError: the bytes were not HTTP (it carries no code for some parse failures).
  if (err instanceof Error && err.name === 'HTTPParserError') return 'bad_body';
  const code = codeOf(err);
  if (code === undefined) return err instanceof KhaltiDeadlineError ? 'timeout' : 'reset';
  if (CONNECT_CODES.has(code)) return 'connect';
  if (TIMEOUT_CODES.has(code)) return 'timeout';
  // llhttp parse errors (HPE_*): unreadable, like a non-JSON body.
  if (BAD_BODY_CODES.has(code) || code.startsWith('HPE_')) return 'bad_body';
  // UND_ERR_SOCKET ("other side closed"), ECONNRESET, EPIPE, content-length mismatch, aborts.
  return 'reset';
}

export function unavailableFromTransport(
  operation: KhaltiOperation,
  err: unknown,
  secret: string | undefined,
  httpStatus?: number,
  details: UnavailableDetails = {},
): KhaltiUnavailableError {
  let reason = classifyTransportError(err);
  const code = codeOf(err);
  let message = scrubSecret(err instanceof Error ? err.message : String(err), secret);
  // Headers arrived, then the connection broke mid-body: we hold a status and half a body, which
  // is a truncated (unreadable) answer rather than a connection that never answered.
  if (reason === 'reset' && httpStatus !== undefined) {
    reason = 'bad_body';
    message = `body cut short: ${message}`;
  }
  return new KhaltiUnavailableError(
    operation,
    reason,
    code ? `${message} (${code})` : message,
    httpStatus,
    safeCause(err, secret),
    details,
  );
}

/**
 * The original error is kept as `cause` for debugging, unless anything reachable from it
 * (message, stack, properties such as undici's request details) mentions the secret key: then a
 * plain copy with the secret scrubbed takes its place.
 */
export function safeCause(err: unknown, secret: string | undefined): unknown {
  if (!secret) return err;
  let text: string;
  try {
    text = inspect(err, { depth: 8, showHidden: true, getters: false });
  } catch {
    text = secret; // cannot inspect: assume the worst
  }
  if (!text.includes(secret)) return err;
  const src = err instanceof Error ? err : new Error(String(err));
  const copy = new Error(scrubSecret(src.message, secret));
  copy.name = src.name;
  copy.stack = scrubSecret(src.stack ?? '', secret);
  const code = codeOf(src);
  if (code) (copy as Error & { code?: string }).code = code;
  return copy;
}
