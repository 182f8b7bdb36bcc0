/**
 * `Authorization: Key <secret>`, checked the way DRF's TokenAuthentication (keyword "Key") does,
 * with Khalti's `status_code` added to the body. The two documented answers are the common ones;
 * DRF's two "Invalid token header." messages are kept for the malformed headers they describe.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { ApiResult } from './emulator.types';

export const MSG_NOT_PROVIDED = 'Authentication credentials were not provided.';
export const MSG_INVALID_TOKEN = 'Invalid token.';
export const MSG_NO_CREDENTIALS = 'Invalid token header. No credentials provided.';
export const MSG_TOKEN_SPACES = 'Invalid token header. Token string should not contain spaces.';

export type AuthOutcome = { ok: true } | { ok: false; result: ApiResult };

export function checkAuthorization(header: string | undefined, secretKey: string): AuthOutcome {
  const parts = (header ?? '').trim().split(/\s+/).filter(Boolean);
  // No header, or another scheme (Bearer, Basic, a bare key): DRF treats the request as anonymous.
  if (parts.length === 0 || parts[0]!.toLowerCase() !== 'key') return refuse(MSG_NOT_PROVIDED);
  if (parts.length === 1) return refuse(MSG_NO_CREDENTIALS);
  if (parts.length > 2) return refuse(MSG_TOKEN_SPACES);
  return sameSecret(parts[1]!, secretKey) ? { ok: true } : refuse(MSG_INVALID_TOKEN);
}

function refuse(detail: string): AuthOutcome {
  return {
    ok: false,
    result: { status: 401, body: { detail, status_code: 401 }, headers: { 'WWW-Authenticate': 'Key' } },
  };
}

/** Constant-time comparison (of digests, so differing lengths do not leak either). */
function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}
