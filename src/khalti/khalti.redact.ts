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
