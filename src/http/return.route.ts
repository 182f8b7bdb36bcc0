/**
 * GET /khalti/return: where Khalti sends the buyer after the payment page. The query string is
 * typed by the buyer's browser, so only its pidx is used, and only to look the payment up; the
 * buyer is then sent to the returnUrl stored for that payment with the verified values, signed
 * when MERCHANT_SECRET is set (DESIGN section 9).
 *
 * Anyone can call this route without a key, so it must not be a way to make the gateway work:
 * - requests are rate-limited per client address, before anything is read;
 * - a payment already final is answered from the record (no lookup, no audit row);
 * - concurrent returns for one payment share lookups, never one that started before they arrived;
 * - a pidx that is malformed or not ours gets the 404 page and one (capped) security audit row.
 */
import { Router, type Request, type Response } from 'express';
import type { PaymentRow } from '../db/schema';
import { isPidxShaped } from '../khalti/khalti.pidx';
import { BUYER_ACTOR, runAs } from '../payments/actor.context';
import type { AuditService } from '../payments/audit.service';
import { FreshLookups } from '../payments/fresh-lookup';
import type { PaymentStateService } from '../payments/payment-state.service';
import type { Log } from '../logger';
import { SIGNED_FIELDS, signReturn, type ReturnValues } from '../payments/return-signature';
import { SecurityEvents } from '../payments/security-events';
import { isPaid, needsLookup } from '../payments/status.rules';
import { clientAddressResolver, type ClientAddressOf } from '../graphql/rate-limit/client-address';
import { AddressRateLimiter } from './address-rate-limiter';
import { sendMessagePage, setHtmlSecurityHeaders } from './security-headers';

export const RETURN_PATH = '/khalti/return';

export interface ReturnRouteOptions {
  /** Writes the security rows (capped by SecurityEvents). */
  audit: Pick<AuditService, 'securityEvent'>;
  /** Signs the redirect when set (MERCHANT_SECRET). */
  merchantSecret?: string;
  /** Returns per client address per minute (RATE_LIMIT_RETURN_PER_MINUTE); 0: off. */
  rateLimitPerMinute: number;
  /** The client address a request counts against (TRUSTED_PROXIES); default: the TCP peer. */
  clientAddressOf?: ClientAddressOf;
  /** Security audit rows per minute, per process. */
  securityRowsPerMinute?: number;
  now?: () => Date;
}

type Refreshed = Awaited<ReturnType<PaymentStateService['refresh']>>;

export function returnRouter(state: PaymentStateService, log: Log, options: ReturnRouteOptions): Router {
  const now = options.now ?? (() => new Date());
  const limiter = new AddressRateLimiter(options.rateLimitPerMinute, () => now().getTime());
  const clientAddressOf = options.clientAddressOf ?? clientAddressResolver([]);
  const security = new SecurityEvents(options.audit, { perMinute: options.securityRowsPerMinute, now, log });
  const lookups = new FreshLookups<Refreshed>((pidx) => runAs(BUYER_ACTOR, () => state.refresh(pidx, 'CALLBACK')));

  const router = Router();
  router.get(RETURN_PATH, async (req: Request, res: Response) => {
    const decision = limiter.take(clientAddressOf(req));
    if (!decision.allowed) {
      res.setHeader('Retry-After', String(decision.retryAfterSeconds));
      sendMessagePage(res, 429, 'Too many requests', `Too many requests from your network. Please try again in ${decision.retryAfterSeconds} seconds.`);
      return;
    }

    const pidx = readPidx(req.query.pidx);
    const stored = pidx.ok ? await state.get(pidx.value) : undefined;
    if (!stored) {
      try {
        await runAs(BUYER_ACTOR, () =>
          security.record(
            pidx.ok
              ? { operation: 'return_unknown_pidx', detail: { pidx: pidx.value } }
              : { operation: 'return_malformed_pidx', detail: pidx.detail },
          ),
        );
      } catch (error) {
        // A busy or full database must not turn the buyer's answer into an error page.
        log(`return route: security audit row not written: ${error instanceof Error ? error.message : String(error)}`, { level: 'error', err: error });
      }
      sendMessagePage(res, 404, 'Payment not found', 'This payment was not started through this gateway. Nothing was changed.');
      return;
    }

    let payment = stored;
    // A final payment's record is the answer, except an EXPIRED the gateway inferred itself: a
    // buyer coming back may well have just paid (status.rules.ts needsLookup).
    if (needsLookup(stored)) {
      try {
        const outcome = await lookups.get(stored.pidx);
        if (outcome) payment = outcome.payment;
      } catch (error) {
        // Khalti could not confirm right now. The buyer still goes back to the merchant, with what we
        // know for certain (never "paid" unless a lookup said so); the reconciler keeps looking.
        log(`return route: lookup of ${stored.pidx} failed: ${error instanceof Error ? error.message : String(error)}`, { level: 'warn', pidx: stored.pidx });
        payment = (await state.get(stored.pidx)) ?? stored;
      }
    }
    setHtmlSecurityHeaders(res);
    res.redirect(302, merchantReturnUrl(payment, { secret: options.merchantSecret, now: now() }));
  });
  return router;
}

/**
 * The query's pidx, when it is one value of Khalti's shape. Otherwise what the audit row may say
 * about it: never the value itself (it is attacker-chosen, possibly huge), at most its length.
 */
function readPidx(raw: unknown): { ok: true; value: string } | { ok: false; detail: Record<string, unknown> } {
  if (raw === undefined) return { ok: false, detail: { reason: 'missing' } };
  if (Array.isArray(raw)) return { ok: false, detail: { reason: 'repeated', count: raw.length } };
  if (typeof raw !== 'string') return { ok: false, detail: { reason: 'not_a_string' } };
  const value = raw.trim();
  if (!isPidxShaped(value)) return { ok: false, detail: { reason: value === '' ? 'empty' : 'shape', length: raw.length } };
  return { ok: true, value };
}

/**
 * The merchant's own returnUrl, as stored, with the verified values set. Keys of ours already in
 * the stored URL are replaced, never repeated (a returnUrl must not smuggle in `paid=true` or a
 * signature); without a secret, any ts/signature there is removed.
 */
export function merchantReturnUrl(payment: PaymentRow, signing: { secret?: string; now?: Date } = {}): string {
  const url = new URL(payment.returnUrl);
  const status = payment.status;
  const values: ReturnValues = {
    pidx: payment.pidx,
    status,
    purchase_order_id: payment.purchaseOrderId,
    // The whole row: the same `paid` rule as the API's, whatever fields it comes to need.
    paid: String(isPaid({ ...payment, status })),
    // What was initiated (paisa), the order's price: a merchant compares it with its own order.
    amount: String(payment.amount),
  };
  url.searchParams.delete('ts');
  url.searchParams.delete('signature');
  for (const field of SIGNED_FIELDS) {
    url.searchParams.set(field, values[field]);
  }
  if (signing.secret) {
    const ts = String(Math.floor((signing.now ?? new Date()).getTime() / 1000));
    url.searchParams.set('ts', ts);
    url.searchParams.set('signature', signReturn(signing.secret, ts, values));
  }
  return url.toString();
}
