/**
 * initiatePayment: validate, register the gateway's own /khalti/return with Khalti, store the
 * merchant's returnUrl, store the payment. A purchaseOrderId names one payment: the same request
 * again returns it, a different request for it is DUPLICATE_PURCHASE_ORDER. A claim row per order
 * (see db/schema.ts `initiations`) keeps concurrent requests, in this process or another, from
 * starting two Khalti payments for one order.
 */
import { randomUUID } from 'node:crypto';
import { SINGLE_STATEMENT, type Database, type Tx } from '../db/database';
import type { PaymentRow } from '../db/schema';
import type { KhaltiClient } from '../khalti/khalti.client';
import { KhaltiRejectedError, KhaltiUnavailableError, KhaltiValidationError } from '../khalti/khalti.errors';
import { classifyKhaltiMessage, initiateInputField, type KhaltiMessageKind } from '../khalti/khalti.field-names';
import type { InitiateRequest } from '../khalti/khalti.types';
import { checkoutTokenRefusal, type CheckoutTokenPolicy, type Initiator } from './checkout-token';
import { fingerprint } from './fingerprint';
import { nextInitiationState } from './initiation-state.rules';
import { usesBanking, validateInitiate, validateReturnUrlOrigin, type InitiateInput } from './initiate.validation';
import type { PaymentStatusChangeEvent } from './payment-events';
import type { PaymentStateService } from './payment-state.service';
import { userError, type UserError, type UserErrorCode } from './user-error';

export interface InitiateOutcome {
  payment: PaymentRow | null;
  userErrors: UserError[];
}

export interface InitiateServiceOptions {
  /** Where Khalti sends the buyer back: the gateway's /khalti/return. */
  callbackUrl: () => string;
  /** First reconciler lookup this long after initiation. */
  firstLookupAfterMs: number;
  /**
   * How long a claim on an order protects a call to Khalti. Longer than the client's total
   * timeout, so a live call is never taken over; a claim older than this belongs to a dead process.
   */
  claimLeaseMs: number;
  /** Who may initiate without a checkout token (checkout-token.ts). Default: no secret, client keys refused. */
  checkoutTokens?: CheckoutTokenPolicy;
  /** RETURN_URL_ORIGINS; null or absent: any http(s) origin. */
  returnUrlOrigins?: readonly string[] | null;
  now?: () => Date;
}

/**
 * Callers inside the process (operators' tools, tests) are the merchant's own code: they
 * initiate as a server key would. The GraphQL resolver always says who the caller is.
 */
const INTERNAL_CALLER: Initiator = { role: 'server' };

/** Our callback URL is not the caller's to fix: Khalti refusing it is a configuration fault. */
export class CallbackUrlRejectedError extends Error {
  constructor(messages: string[]) {
    super(`Khalti rejected the gateway's return_url (check PUBLIC_URL): ${messages.join(' ')}`);
    this.name = 'CallbackUrlRejectedError';
  }
}

const CODE_FOR: Record<KhaltiMessageKind, UserErrorCode> = {
  blank: 'BLANK',
  invalid_url: 'INVALID_URL',
  invalid_integer: 'INVALID_AMOUNT',
  amount_too_small: 'AMOUNT_TOO_SMALL',
  breakdown_mismatch: 'AMOUNT_BREAKDOWN_MISMATCH',
  other: 'KHALTI_REJECTED',
};

export class InitiateService {
  /** One initiate per purchaseOrderId at a time in this process; later ones wait and then see it. */
  private readonly inFlight = new Map<string, Promise<InitiateOutcome>>();
  private readonly now: () => Date;

  constructor(
    private readonly db: Database,
    private readonly khalti: Pick<KhaltiClient, 'initiate'>,
    private readonly state: PaymentStateService,
    private readonly options: InitiateServiceOptions,
  ) {
    this.now = options.now ?? (() => new Date());
  }

  async initiate(raw: InitiateInput, initiator: Initiator = INTERNAL_CALLER): Promise<InitiateOutcome> {
    const input = normalize(raw);
    // All of these before anything is written or Khalti is called.
    const userErrors = [...validateInitiate(input), ...validateReturnUrlOrigin(input.returnUrl, this.options.returnUrlOrigins ?? null)];
    const tokenRefusal = await checkoutTokenRefusal(this.options.checkoutTokens ?? NO_SECRET, initiator, input);
    if (tokenRefusal) userErrors.push(userError(['input', 'checkoutToken'], 'CHECKOUT_TOKEN_INVALID', tokenRefusal));
    if (userErrors.length) return { payment: null, userErrors };

    const running = this.inFlight.get(input.purchaseOrderId);
    if (running) {
      await running.catch(() => undefined);
      return this.initiate(raw, initiator);
    }
    const promise = this.initiateOnce(input).finally(() => this.inFlight.delete(input.purchaseOrderId));
    this.inFlight.set(input.purchaseOrderId, promise);
    return promise;
  }

  private async initiateOnce(input: InitiateInput): Promise<InitiateOutcome> {
    const requestFingerprint = fingerprint(input);
    const owner = `${process.pid}:${randomUUID()}`;
    // Leases run on the wall clock: they detect a process that died, whatever clock tests inject.
    const waitUntil = Date.now() + this.options.claimLeaseMs + 1000;
    for (;;) {
      const claim = await this.db.transaction((tx) => this.claim(tx, input.purchaseOrderId, requestFingerprint, owner));
      if (claim.kind === 'existing') return this.repeated(claim.payment, requestFingerprint);
      if (claim.kind === 'conflict') return duplicateOrder(input.purchaseOrderId);
      if (claim.kind === 'claimed') break;
      // Someone (maybe another process) is talking to Khalti for this very request: wait for
      // their payment rather than starting a second one.
      if (Date.now() > waitUntil) throw new Error(`initiate of ${input.purchaseOrderId} is still in flight elsewhere`);
      await sleep(50);
    }

    let result;
    try {
      result = await this.khalti.initiate(toKhaltiRequest(input, this.options.callbackUrl()));
    } catch (error) {
      // Nothing was stored, so the order is free to try again. If Khalti did create a payment
      // we never heard of, its payment_url reached nobody: no buyer can pay it, and it expires.
      // UNKNOWN (rather than FAILED) records that Khalti may hold a payment for this order that
      // nobody was told of; either way the order may be tried again. A call refused before
      // anything was sent (no free connection, no connection at all) leaves nothing at Khalti: FAILED.
      const mayExistAtKhalti = error instanceof KhaltiUnavailableError && !error.nothingSent;
      const state = nextInitiationState('IN_FLIGHT', mayExistAtKhalti ? 'no_answer' : 'khalti_refused')!;
      const at = this.now();
      await this.db.transaction((tx) => tx.initiations.finish(input.purchaseOrderId, owner, state, null, at), SINGLE_STATEMENT);
      if (error instanceof KhaltiValidationError) return { payment: null, userErrors: mapKhaltiFieldErrors(error.fields) };
      if (error instanceof KhaltiRejectedError) {
        return { payment: null, userErrors: [userError(null, 'KHALTI_REJECTED', `Khalti refused the payment: ${error.detail}`)] };
      }
      throw error;
    }

    const now = this.now();
    const row: PaymentRow = {
      pidx: result.pidx,
      purchaseOrderId: input.purchaseOrderId,
      purchaseOrderName: input.purchaseOrderName,
      amount: input.amount,
      totalAmount: null,
      status: 'INITIATED',
      transactionId: null,
      fee: null,
      refunded: false,
      refundedAmount: 0,
      paymentUrl: result.paymentUrl,
      returnUrl: input.returnUrl,
      customerName: input.customerInfo?.name ?? null,
      customerEmail: input.customerInfo?.email ?? null,
      customerPhone: input.customerInfo?.phone ?? null,
      personalDataErasedAt: null,
      expiryInferred: false,
      lateCompletion: false,
      bankPayment: usesBanking(input),
      requestFingerprint,
      expiresAt: result.expiresAt,
      createdAt: now,
      updatedAt: now,
      nextLookupAt: new Date(now.getTime() + this.options.firstLookupAfterMs),
      lookupAttempts: 0,
      version: 0,
    };
    const stored = await this.db.transaction(async (tx): Promise<{ raced: PaymentRow } | { event: PaymentStatusChangeEvent }> => {
      // Defence in depth: the claim should make this impossible, but a payment already stored
      // for the order wins and ours is never handed out.
      const existing = await tx.payments.byPurchaseOrderId(input.purchaseOrderId);
      if (existing) return { raced: existing };
      const event = await this.state.insertInitiated(tx, row);
      await tx.initiations.finish(input.purchaseOrderId, owner, nextInitiationState('IN_FLIGHT', 'stored')!, row.pidx, now);
      return { event };
    });
    if ('raced' in stored) return this.repeated(stored.raced, requestFingerprint);
    this.state.publish(stored.event);
    return { payment: row, userErrors: [] };
  }

  /**
   * Decides, in one unit of work, whether this request may call Khalti for the order: the claim
   * itself is one atomic upsert (InitiationsRepository.claim), so of concurrent requests in any
   * processes exactly one takes it.
   */
  private async claim(tx: Tx, purchaseOrderId: string, requestFingerprint: string, owner: string): Promise<Claim> {
    const payment = await tx.payments.byPurchaseOrderId(purchaseOrderId);
    if (payment) return { kind: 'existing', payment };
    const now = Date.now();
    const claimed = await tx.initiations.claim(
      {
        purchaseOrderId,
        requestFingerprint,
        state: nextInitiationState(null, 'claim')!,
        pidx: null,
        owner,
        leaseUntil: new Date(now + this.options.claimLeaseMs),
        updatedAt: new Date(now),
      },
      new Date(now),
    );
    if (claimed) return { kind: 'claimed' };
    // A live call holds the order (or its payment is stored and about to be read): wait for it.
    const current = await tx.initiations.get(purchaseOrderId);
    return current?.requestFingerprint === requestFingerprint ? { kind: 'wait' } : { kind: 'conflict' };
  }

  private repeated(existing: PaymentRow, requestFingerprint: string): InitiateOutcome {
    if (existing.requestFingerprint === requestFingerprint) return { payment: existing, userErrors: [] };
    return duplicateOrder(existing.purchaseOrderId);
  }
}

const NO_SECRET: CheckoutTokenPolicy = { verifier: null, clientsMayInitiateWithoutSecret: false };

type Claim = { kind: 'existing'; payment: PaymentRow } | { kind: 'claimed' } | { kind: 'wait' } | { kind: 'conflict' };

function duplicateOrder(purchaseOrderId: string): InitiateOutcome {
  return {
    payment: null,
    userErrors: [
      userError(
        ['input', 'purchaseOrderId'],
        'DUPLICATE_PURCHASE_ORDER',
        `purchaseOrderId "${purchaseOrderId}" was already used for a payment with different fields.`,
      ),
    ],
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Trims text and drops empty optional parts, so that trivially different spellings are the same request. */
function normalize(input: InitiateInput): InitiateInput {
  const text = (value: string | undefined) => (value === undefined ? undefined : value.trim());
  const customerInfo = input.customerInfo
    ? { name: text(input.customerInfo.name) || undefined, email: text(input.customerInfo.email) || undefined, phone: text(input.customerInfo.phone) || undefined }
    : undefined;
  return {
    returnUrl: input.returnUrl.trim(),
    websiteUrl: input.websiteUrl.trim(),
    amount: input.amount,
    purchaseOrderId: input.purchaseOrderId.trim(),
    purchaseOrderName: input.purchaseOrderName.trim(),
    customerInfo: customerInfo && Object.values(customerInfo).some((value) => value !== undefined) ? customerInfo : undefined,
    amountBreakdown: input.amountBreakdown?.length ? input.amountBreakdown.map((item) => ({ label: item.label.trim(), amount: item.amount })) : undefined,
    productDetails: input.productDetails?.length ? input.productDetails : undefined,
    merchantExtra: input.merchantExtra?.length ? input.merchantExtra : undefined,
    modes: input.modes?.length ? [...new Set(input.modes)] : undefined,
    bank: input.bank,
    ttl: input.ttl,
  };
}

function toKhaltiRequest(input: InitiateInput, callbackUrl: string): InitiateRequest {
  return {
    ...input,
    returnUrl: callbackUrl,
    merchantExtra: input.merchantExtra ? Object.fromEntries(input.merchantExtra.map(({ key, value }) => [key, value])) : undefined,
  };
}

function mapKhaltiFieldErrors(fields: Record<string, string[]>): UserError[] {
  const errors: UserError[] = [];
  for (const [wireField, messages] of Object.entries(fields)) {
    if (wireField === 'return_url') throw new CallbackUrlRejectedError(messages);
    const ours = initiateInputField(wireField);
    for (const message of messages) {
      const kind = classifyKhaltiMessage(message);
      const field = kind === 'breakdown_mismatch' ? 'amountBreakdown' : ours;
      errors.push(userError(field ? ['input', field] : ['input'], CODE_FOR[kind], message));
    }
  }
  return errors;
}
