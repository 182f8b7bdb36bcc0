/** Checkout tokens as a merchant's backend signs them (README "Checkout tokens"), for tests. */
import type * as Jose from 'jose' with { 'resolution-mode': 'import' };

// jose is an ES module; see src/payments/checkout-token.ts.
const { SignJWT } = require('jose') as typeof Jose;

export const MERCHANT_SECRET = 'test-merchant-secret-0123456789abcdef';

export interface TokenClaims {
  purchaseOrderId?: unknown;
  amount?: unknown;
  returnUrl?: unknown;
  [claim: string]: unknown;
}

/** HS256 with `secret`, exp `expiresIn` seconds from now (default 15 minutes). */
export function checkoutToken(claims: TokenClaims, options: { secret?: string; expiresIn?: number | null; alg?: string } = {}): Promise<string> {
  const jwt = new SignJWT(claims as Record<string, unknown>).setProtectedHeader({ alg: options.alg ?? 'HS256', typ: 'JWT' });
  if (options.expiresIn !== null) jwt.setExpirationTime(Math.floor(Date.now() / 1000) + (options.expiresIn ?? 15 * 60));
  return jwt.sign(new TextEncoder().encode(options.secret ?? MERCHANT_SECRET));
}

/** An unsigned token (`alg: none`), which jose itself will not produce. */
export function unsignedToken(claims: TokenClaims): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'none', typ: 'JWT' })}.${part(claims)}.`;
}
