/**
 * The signature on the return redirect (DESIGN section 9). The buyer's browser carries the
 * redirect to the merchant, so anyone can type `paid=true` into it; a merchant that checks this
 * signature knows the gateway verified the values. Kept this small so the README's merchant
 * snippet can mirror it line for line:
 *
 *   signature = hex(HMAC-SHA256(MERCHANT_SECRET, ts.pidx.purchase_order_id.status.paid.amount))
 *
 * with every value exactly as it appears (decoded) in the query string.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** The signed values, in the order they are joined. `ts` comes first, before these. */
export const SIGNED_FIELDS = ['pidx', 'purchase_order_id', 'status', 'paid', 'amount'] as const;
export type SignedField = (typeof SIGNED_FIELDS)[number];
export type ReturnValues = Record<SignedField, string>;

/** What a merchant should accept by default: a redirect is followed within seconds. */
export const DEFAULT_MAX_AGE_SECONDS = 300;

/** The exact text that is signed. */
export function signedText(ts: string, values: ReturnValues): string {
  return [ts, ...SIGNED_FIELDS.map((field) => values[field])].join('.');
}

/** Lowercase hex HMAC-SHA256 of the signed text. */
export function signReturn(secret: string, ts: string, values: ReturnValues): string {
  return createHmac('sha256', secret).update(signedText(ts, values), 'utf8').digest('hex');
}

export type ReturnVerdict = { valid: true } | { valid: false; reason: 'missing' | 'stale' | 'signature' };

/**
 * Checks a return redirect's query: every signed value present once, `ts` within `maxAgeSeconds`
 * of now (either side: clocks drift), and the signature equal in constant time.
 */
export function verifyReturn(
  secret: string,
  query: URLSearchParams,
  options: { now?: Date; maxAgeSeconds?: number } = {},
): ReturnVerdict {
  const one = (name: string): string | null => {
    const all = query.getAll(name);
    return all.length === 1 ? all[0]! : null;
  };
  const ts = one('ts');
  const signature = one('signature');
  const values = {} as ReturnValues;
  for (const field of SIGNED_FIELDS) {
    const value = one(field);
    if (value === null) return { valid: false, reason: 'missing' };
    values[field] = value;
  }
  if (ts === null || signature === null || !/^\d{1,12}$/.test(ts)) return { valid: false, reason: 'missing' };
  const nowSeconds = Math.floor((options.now ?? new Date()).getTime() / 1000);
  if (Math.abs(nowSeconds - Number(ts)) > (options.maxAgeSeconds ?? DEFAULT_MAX_AGE_SECONDS)) return { valid: false, reason: 'stale' };
  const expected = Buffer.from(signReturn(secret, ts, values), 'hex');
  const given = /^[0-9a-f]{64}$/.test(signature) ? Buffer.from(signature, 'hex') : null;
  if (!given || !timingSafeEqual(given, expected)) return { valid: false, reason: 'signature' };
  return { valid: true };
}
