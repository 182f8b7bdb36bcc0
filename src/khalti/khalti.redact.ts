/**
 * Redaction of what the client reports (hook events, error details). The audit log stores these
 * verbatim, so anything secret must be gone before it leaves src/khalti/.
 */

export const REDACTED = '[REDACTED]';

/** Longest text excerpt of an unreadable body we report; enough to recognise an HTML error page. */
export const EXCERPT_MAX_CHARS = 512;

/** Deeper structures are cut off: Khalti's bodies are shallow, and a cycle must not hang us. */
const MAX_DEPTH = 12;

/**
 * Key names whose values are credentials whatever they contain. Compared on the lower-cased name
 * with separators removed, so `Authorization`, `secret_key`, `x-api-key` and `apiKey` all match.
 * `error_key` (Khalti's `"validation_error"` tag) and `idempotency_key` deliberately do not.
 */
function isSensitiveKey(name: string): boolean {
  const k = name.toLowerCase().replace(/[^a-z0-9]/g, '');
  return (
    k === 'key' ||
    k === 'mpin' ||
    k === 'otp' ||
    k.includes('authorization') ||
    k.includes('secret') ||
    k.includes('password') ||
    k.includes('passwd') ||
    k.includes('cookie') ||
    k.endsWith('apikey') ||
    k.endsWith('privatekey') ||
    k.endsWith('accesstoken') ||
    k.endsWith('refreshtoken')
  );
}

/** Replaces every occurrence of the secret inside a string (the whole string, or embedded in text). */
export function scrubSecret(text: string, secret: string | undefined): string {
  if (!secret || !text.includes(secret)) return text;
  return text.split(secret).join(REDACTED);
}

/**
 * A deep copy of `value` with credentials removed: any value under a sensitive key name, and any
 * occurrence of the secret key in any string (values and key names alike). Non-JSON leaves
 * (functions, symbols) are dropped to their type name; it never throws.
 */
export function redact(value: unknown, secret: string | undefined): unknown {
  return redactAt(value, secret, 0, new WeakSet<object>());
}

function redactAt(value: unknown, secret: string | undefined, depth: number, seen: WeakSet<object>): unknown {
  if (typeof value === 'string') return scrubSecret(value, secret);
  if (value === null || typeof value === 'number' || typeof value === 'boolean' || value === undefined) {
    return value;
  }
  if (typeof value === 'bigint') return value.toString();
  if (typeof value !== 'object') return `[${typeof value}]`;
  if (value instanceof Date) return value;
  if (seen.has(value)) return '[Circular]';
  if (depth >= MAX_DEPTH) return '[Truncated]';
  seen.add(value);
  try {
    if (Array.isArray(value)) return value.map((v) => redactAt(v, secret, depth + 1, seen));
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[scrubSecret(k, secret)] = isSensitiveKey(k) ? REDACTED : redactAt(v, secret, depth + 1, seen);
    }
    return out;
  } finally {
    seen.delete(value);
  }
}

/**
 * A short, secret-free excerpt of a body we could not parse (an HTML error page, truncated JSON).
 * The audit log wants enough to recognise what came back, not a megabyte of markup.
 */
export function excerpt(text: string, secret: string | undefined, max = EXCERPT_MAX_CHARS): string {
  const clean = scrubSecret(text, secret);
  if (clean.length <= max) return clean;
  return `${clean.slice(0, max)}… [${clean.length - max} more chars]`;
}

// ---------------------------------------------------------------------------------------------
// Personal data

/**
 * What replaces a buyer's personal data in the copies the client reports. Distinct from
 * REDACTED: a reader of the audit log can tell "a credential was here" from "the buyer's data
 * was here, and lives in the payment row only" (where erasePersonalData can remove it).
 */
export const PERSONAL_DATA = '[PERSONAL DATA]';

/**
 * Wire keys whose values are a buyer's personal data, replaced wholesale at any depth:
 * initiate's `customer_info` {name, email, phone} and a bank refund's `mobile`.
 */
const PERSONAL_KEYS = new Set(['customer_info', 'mobile']);

/** Shorter values are not scrubbed out of other text: "Ram" would mangle "Program". */
const MIN_SCRUBBED_LENGTH = 4;

/** Longest string kept whole in a reported copy; longer ones (a 100 kB "pidx") become an excerpt. */
export const MAX_REPORTED_STRING_CHARS = EXCERPT_MAX_CHARS;

/**
 * The personal values a request carries (every string under a personal key), so that an answer
 * or an error echoing one of them can be scrubbed as well. Longest first, so a value containing
 * another is replaced whole.
 */
export function personalDataValues(body: unknown): string[] {
  const found = new Set<string>();
  const collect = (value: unknown, depth: number): void => {
    if (depth > MAX_DEPTH) return;
    if (typeof value === 'string') {
      if (value.trim().length >= MIN_SCRUBBED_LENGTH) found.add(value.trim());
    } else if (Array.isArray(value)) value.forEach((v) => collect(v, depth + 1));
    else if (value && typeof value === 'object') for (const v of Object.values(value)) collect(v, depth + 1);
  };
  const walk = (value: unknown, depth: number): void => {
    if (depth > MAX_DEPTH || !value || typeof value !== 'object') return;
    if (Array.isArray(value)) return value.forEach((v) => walk(v, depth + 1));
    for (const [k, v] of Object.entries(value)) {
      if (PERSONAL_KEYS.has(k.toLowerCase())) collect(v, depth + 1);
      else walk(v, depth + 1);
    }
  };
  walk(body, 0);
  return [...found].sort((a, b) => b.length - a.length);
}

/** Replaces every occurrence of the given personal values inside a string. */
export function scrubPersonalData(text: string, values: readonly string[]): string {
  let out = text;
  for (const value of values) if (out.includes(value)) out = out.split(value).join(PERSONAL_DATA);
  return out;
}

/**
 * A copy of `value` for the audit log: personal keys replaced wholesale, the given personal values
 * scrubbed out of every other string, and overlong strings cut to an excerpt. Expects a plain JSON
 * tree (what `redact` returns); keys are kept.
 */
export function redactPersonalData(value: unknown, values: readonly string[] = []): unknown {
  if (typeof value === 'string') {
    const clean = scrubPersonalData(value, values);
    return clean.length > MAX_REPORTED_STRING_CHARS ? excerpt(clean, undefined, MAX_REPORTED_STRING_CHARS) : clean;
  }
  if (Array.isArray(value)) return value.map((v) => redactPersonalData(v, values));
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = PERSONAL_KEYS.has(k.toLowerCase()) && v !== undefined && v !== null ? PERSONAL_DATA : redactPersonalData(v, values);
    }
    return out;
  }
  return value;
}

/** What the hook reports of a body: secrets removed (`redact`), then personal data (`redactPersonalData`). */
export function reportedCopy(value: unknown, secret: string | undefined, personal: readonly string[]): unknown {
  return redactPersonalData(redact(value, secret), personal);
}
