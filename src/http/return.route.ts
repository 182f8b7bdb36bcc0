/**
 * GET /khalti/return: where Khalti sends the buyer after the payment page. The query string is
 * typed by the buyer's browser, so only its pidx is used, and only to look the payment up; the
 * buyer is then sent to the returnUrl stored for that payment with the verified values.
 */
import { Router, type Request, type Response } from 'express';
import type { PaymentRow } from '../db/schema';
import type { PaymentStatus } from '../khalti/khalti.types';
import { BUYER_ACTOR, runAs } from '../payments/actor.context';
import type { PaymentStateService } from '../payments/payment-state.service';
import { isPaid } from '../payments/status.rules';
import { sendMessagePage, setHtmlSecurityHeaders } from './security-headers';

export const RETURN_PATH = '/khalti/return';

export function returnRouter(state: PaymentStateService, log: (line: string) => void): Router {
  const router = Router();
  router.get(RETURN_PATH, async (req: Request, res: Response) => {
    const pidx = typeof req.query.pidx === 'string' ? req.query.pidx.trim() : '';
    const stored = pidx ? state.get(pidx) : undefined;
    if (!stored) {
      sendMessagePage(res, 404, 'Payment not found', 'This payment was not started through this gateway. Nothing was changed.');
      return;
    }
    let payment = stored;
    try {
      const outcome = await runAs(BUYER_ACTOR, () => state.refresh(stored.pidx, 'CALLBACK'));
      if (outcome) payment = outcome.payment;
    } catch (error) {
      // Khalti could not confirm right now. The buyer still goes back to the merchant, with what we
      // know for certain (never "paid" unless a lookup said so); the reconciler keeps looking.
      log(`return route: lookup of ${stored.pidx} failed: ${error instanceof Error ? error.message : String(error)}`);
      payment = state.get(stored.pidx) ?? stored;
    }
    setHtmlSecurityHeaders(res);
    res.redirect(302, merchantReturnUrl(payment));
  });
  return router;
}

/** The merchant's own returnUrl, as stored, with the verified values added. */
export function merchantReturnUrl(payment: PaymentRow): string {
  const url = new URL(payment.returnUrl);
  const status = payment.status as PaymentStatus;
  url.searchParams.set('pidx', payment.pidx);
  url.searchParams.set('status', status);
  url.searchParams.set('purchase_order_id', payment.purchaseOrderId);
  url.searchParams.set('paid', String(isPaid({ ...payment, status })));
  return url.toString();
}
