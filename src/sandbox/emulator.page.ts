/**
 * The payment page behind initiate's payment_url: Khalti ID + MPIN, then OTP, then back to the
 * merchant's return_url with Khalti's callback parameters; or Cancel. Plain form posts and no
 * cookies: the step between MPIN and OTP is a per-login session token in a hidden field, kept in
 * the emulator's state, so the flow also works from plain HTTP in tests.
 */
import express, { type Response } from 'express';
import { TEST_KHALTI_IDS, TEST_MPIN, TEST_OTP } from './emulator.defaults';
import { cancelRedirect, successRedirect } from './emulator.callback';
import { maskMobile } from './emulator.format';
import type { EmulatorStore } from './emulator.store';
import type { PaymentRecord } from './emulator.types';
import { indexPage, loginPage, messagePage, otpPage, type PageActions } from './emulator.page.views';

export interface PageDeps {
  store: EmulatorStore;
  publicUrl: string;
  mpinAttemptsBeforeLock: number;
}

/** Any page that is about one buyer's payment must not be cached or framed by other sites. */
const PAGE_HEADERS = {
  'Cache-Control': 'no-store',
  'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};

export const MSG_UNKNOWN_ID = `No Khalti account uses this Khalti ID. In the sandbox use ${TEST_KHALTI_IDS[0]} to ${TEST_KHALTI_IDS[TEST_KHALTI_IDS.length - 1]}.`;
export const MSG_WRONG_MPIN = (left: number) =>
  `Incorrect MPIN. ${left} attempt${left === 1 ? '' : 's'} left before this payment is locked.`;
export const MSG_LOCKED = 'Too many incorrect MPIN attempts. This payment is locked and can no longer be paid.';
export const MSG_WRONG_OTP = 'Incorrect OTP. Check the code and try again.';
export const MSG_SESSION_ENDED = 'Your login session has ended. Log in again to continue.';

export function createPageRouter(deps: PageDeps): express.Router {
  const { store } = deps;
  const base = new URL(deps.publicUrl).pathname.replace(/\/+$/, '');
  const actions: PageActions = { login: `${base}/pay/login`, confirm: `${base}/pay/confirm`, cancel: `${base}/pay/cancel` };
  const router = express.Router();
  const form = express.urlencoded({ extended: false, limit: '16kb' });

  const send = (res: Response, status: number, html: string) => {
    res.status(status).set(PAGE_HEADERS).type('html').send(html);
  };

  /** Finds the payment named by the request, or answers 404 and returns undefined. */
  const paymentOf = (res: Response, pidx: unknown): PaymentRecord | undefined => {
    const record = typeof pidx === 'string' ? store.get(pidx) : undefined;
    if (!record) {
      send(res, 404, messagePage('Payment not found', 'This payment link is not valid. Ask the merchant to start the payment again.'));
    }
    return record;
  };

  /** Answers for a payment that cannot be paid now; returns true if it did. */
  const refuseIfNotPayable = (res: Response, record: PaymentRecord): boolean => {
    const status = store.effectiveStatus(record);
    const refusal =
      status === 'Expired'
        ? { code: 410, title: 'Payment link expired', text: 'This payment link has expired. Ask the merchant to start the payment again.' }
        : status === 'User canceled'
          ? { code: 409, title: 'Payment canceled', text: 'This payment was canceled.' }
          : status === 'Pending'
            ? { code: 409, title: 'Payment in progress', text: 'This payment is being processed. Check with the merchant for its outcome.' }
            : status !== 'Initiated'
              ? { code: 409, title: 'Already paid', text: 'This payment has already been completed.' }
              : record.locked
                ? { code: 423, title: 'Payment locked', text: MSG_LOCKED }
                : undefined;
    if (!refusal) return false;
    store.closeSessions(record.pidx);
    send(res, refusal.code, messagePage(refusal.title, refusal.text, record));
    return true;
  };

  router.get('/', (_req, res) => send(res, 200, indexPage(deps.publicUrl)));

  router.get('/pay', (req, res) => {
    const record = paymentOf(res, req.query.pidx);
    if (!record || refuseIfNotPayable(res, record)) return;
    send(res, 200, loginPage(record, actions));
  });

  router.post('/pay/login', form, (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const record = paymentOf(res, body.pidx);
    if (!record || refuseIfNotPayable(res, record)) return;
    const khaltiId = typeof body.khalti_id === 'string' ? body.khalti_id.trim() : '';
    const mpin = typeof body.mpin === 'string' ? body.mpin.trim() : '';

    if (!TEST_KHALTI_IDS.includes(khaltiId)) {
      send(res, 400, loginPage(record, actions, { error: MSG_UNKNOWN_ID, khaltiId }));
      return;
    }
    if (mpin !== TEST_MPIN) {
      const left = store.wrongMpin(record, deps.mpinAttemptsBeforeLock);
      if (left === 0) send(res, 423, messagePage('Payment locked', MSG_LOCKED, record));
      else send(res, 400, loginPage(record, actions, { error: MSG_WRONG_MPIN(left), khaltiId }));
      return;
    }
    // Consecutive failures lock; a correct MPIN starts the count again.
    store.rightMpin(record);
    const session = store.openSession(record.pidx, khaltiId);
    send(res, 200, otpPage(record, actions, { session: session.token, maskedMobile: maskMobile(khaltiId) }));
  });

  router.post('/pay/confirm', form, (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const record = paymentOf(res, body.pidx);
    if (!record || refuseIfNotPayable(res, record)) return;
    const session = typeof body.session === 'string' ? store.session(body.session, record.pidx) : undefined;
    if (!session) {
      send(res, 400, loginPage(record, actions, { error: MSG_SESSION_ENDED }));
      return;
    }
    const otp = typeof body.otp === 'string' ? body.otp.trim() : '';
    if (otp !== TEST_OTP) {
      send(res, 400, otpPage(record, actions, { session: session.token, maskedMobile: maskMobile(session.mobile), error: MSG_WRONG_OTP }));
      return;
    }
    store.complete(record, session.mobile);
    store.closeSessions(record.pidx);
    res.set('Cache-Control', 'no-store').redirect(302, successRedirect(record));
  });

  router.post('/pay/cancel', form, (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const record = paymentOf(res, body.pidx);
    if (!record || refuseIfNotPayable(res, record)) return;
    store.cancel(record);
    store.closeSessions(record.pidx);
    res.set('Cache-Control', 'no-store').redirect(302, cancelRedirect(record));
  });

  return router;
}
