/**
 * Checkout tokens (DESIGN section 9): the client key ships inside apps, so a client-key initiate
 * is only trusted for the order and amount the merchant's backend signed. A token is a JWT, HS256
 * with MERCHANT_SECRET, claims { purchaseOrderId, amount, exp, returnUrl? }.
 *
 * Verification is pinned to HS256 (jose refuses `none` and every other algorithm, HS512 with the
 * right secret included), needs `exp`, refuses an `exp` more than an hour ahead (a long-lived
 * token is a price list anyone can replay), and then compares the claims with the initiate input
 * as the gateway will store it (after normalize(): trimmed text).
 */
import type * as Jose from 'jose' with { 'resolution-mode': 'import' };

/**
 * jose 6 is an ES module and this package is CommonJS: Node (20.19+) loads it with require(), and
 * jest transforms it (jest.config.js). The type-only import above keeps the API typed.
 */
 
const { errors: joseErrors, jwtVerify } = require('jose') as typeof Jose;

/** `exp` may be at most this far ahead of now. */
export const MAX_TOKEN_LIFETIME_SECONDS = 60 * 60;
/**
 * Clock skew tolerated between the merchant's backend and the gateway, both for an `exp` just
 * past and for an `exp` just over an hour ahead (a backend clock slightly fast).
 */
export const CLOCK_TOLERANCE_SECONDS = 30;
/** Far longer than any honest token (a few hundred bytes); bounds the work on garbage. */
export const MAX_TOKEN_LENGTH = 4096;

/** What a token must agree with: the normalized initiate input. */
export interface CheckoutTokenSubject {
  purchaseOrderId: string;
  amount: number;
  returnUrl: string;
}

export type CheckoutTokenCheck = { ok: true } | { ok: false; reason: string };

export class CheckoutTokenVerifier {
  private readonly key: Uint8Array;

  constructor(
    merchantSecret: string,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.key = new TextEncoder().encode(merchantSecret);
  }

  /** Whether `token` is a valid checkout token for exactly this input; `reason` says what is wrong. */
  async verify(token: string, input: CheckoutTokenSubject): Promise<CheckoutTokenCheck> {
    if (!token.trim()) return fail('checkoutToken is blank.');
    if (token.length > MAX_TOKEN_LENGTH) return fail(`checkoutToken is longer than ${MAX_TOKEN_LENGTH} characters.`);
    const nowSeconds = Math.floor(this.now().getTime() / 1000);

    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(token.trim(), this.key, {
        algorithms: ['HS256'],
        requiredClaims: ['exp'],
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        currentDate: new Date(nowSeconds * 1000),
      }));
    } catch (error) {
      return fail(describeJoseError(error));
    }

    // jose has checked that exp is a number in the future (within the tolerance).
    const exp = payload.exp as number;
    if (exp - nowSeconds > MAX_TOKEN_LIFETIME_SECONDS + CLOCK_TOLERANCE_SECONDS) {
      return fail(`checkoutToken expires more than ${MAX_TOKEN_LIFETIME_SECONDS / 60} minutes ahead (exp ${exp}); issue tokens for at most an hour.`);
    }

    const { purchaseOrderId, amount, returnUrl } = payload;
    if (typeof purchaseOrderId !== 'string' || !purchaseOrderId.trim()) return fail('checkoutToken claim purchaseOrderId must be a non-empty string.');
    if (typeof amount !== 'number' || !Number.isSafeInteger(amount)) return fail('checkoutToken claim amount must be an integer number of paisa.');
    if (returnUrl !== undefined && typeof returnUrl !== 'string') return fail('checkoutToken claim returnUrl must be a string when present.');

    // The gateway stores trimmed text, so the token authorizes the trimmed order id and URL.
    if (purchaseOrderId.trim() !== input.purchaseOrderId) {
      return fail(`checkoutToken claim purchaseOrderId (${quote(purchaseOrderId)}) differs from input.purchaseOrderId (${quote(input.purchaseOrderId)}).`);
    }
    if (amount !== input.amount) return fail(`checkoutToken claim amount (${amount}) differs from input.amount (${input.amount}).`);
    if (returnUrl !== undefined && returnUrl.trim() !== input.returnUrl) {
      return fail(`checkoutToken claim returnUrl (${quote(returnUrl)}) differs from input.returnUrl (${quote(input.returnUrl)}).`);
    }
    return { ok: true };
  }
}

const fail = (reason: string): CheckoutTokenCheck => ({ ok: false, reason });

/** Values come from the caller's own token and input (never a secret); shortened for the message. */
const quote = (value: string) => JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);

function describeJoseError(error: unknown): string {
  if (error instanceof joseErrors.JWTExpired) return 'checkoutToken has expired; ask the merchant backend for a new one.';
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return 'checkoutToken has a bad signature (not signed with this gateway\'s MERCHANT_SECRET).';
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return 'checkoutToken must be signed with HS256; other algorithms (and "none") are refused.';
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    if (error.claim === 'exp') return 'checkoutToken needs a numeric exp claim (at most an hour ahead).';
    return `checkoutToken claim ${error.claim} is not valid (${error.reason}).`;
  }
  if (error instanceof joseErrors.JOSENotSupported) return 'checkoutToken must be signed with HS256; other algorithms (and "none") are refused.';
  if (error instanceof joseErrors.JWSInvalid || error instanceof joseErrors.JWTInvalid) return 'checkoutToken is not a well-formed JWT.';
  if (error instanceof Error && error.name === 'TypeError') return 'checkoutToken is not a well-formed JWT.';
  throw error;
}

/** Who is initiating, as far as the domain cares: the API key's role. */
export type InitiatorRole = 'client' | 'server' | 'admin';

export interface Initiator {
  role: InitiatorRole;
  checkoutToken?: string;
}

export interface CheckoutTokenPolicy {
  /** Null without MERCHANT_SECRET: no token can be verified. */
  verifier: CheckoutTokenVerifier | null;
  /** Embedded mode without MERCHANT_SECRET lets client keys initiate freely (start-up warns). */
  clientsMayInitiateWithoutSecret: boolean;
}

/**
 * The token rule of DESIGN sections 3 and 9, as a reason to refuse (null: go ahead).
 *  - client: a valid token whenever MERCHANT_SECRET is set; without it, only embedded mode lets
 *    them initiate (and then any token is ignored: there is nothing to verify it with).
 *  - server, admin: no token needed; one that is sent is verified anyway, because a backend
 *    sending a token that does not match its own input is a bug worth refusing.
 */
export async function checkoutTokenRefusal(policy: CheckoutTokenPolicy, initiator: Initiator, input: CheckoutTokenSubject): Promise<string | null> {
  const token = initiator.checkoutToken;
  if (!policy.verifier) {
    if (initiator.role !== 'client' || policy.clientsMayInitiateWithoutSecret) return null;
    return 'Client keys cannot initiate payments: MERCHANT_SECRET is not configured, so no checkout token can be verified. Initiate from your backend with a server key, or configure MERCHANT_SECRET.';
  }
  if (token === undefined) {
    if (initiator.role !== 'client') return null;
    return "checkoutToken is missing: a client key needs a checkout token signed by the merchant's backend for this order and amount.";
  }
  const check = await policy.verifier.verify(token, input);
  return check.ok ? null : check.reason;
}
