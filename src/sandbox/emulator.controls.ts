/**
 * Test controls: move a payment to any state, make lookup lie, inject faults, read the request
 * log, reset. The same operations are available in-process (`emulator.controls`) and over HTTP
 * under `<root>/__control`, so a test in this process and a test driving a separate emulator
 * process use the same vocabulary.
 *
 * The controls are unauthenticated on purpose (a test harness has no Khalti key to hand); the
 * emulator is a development tool and must never face the internet.
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import { TEST_KHALTI_IDS } from './emulator.defaults';
import { isPlainObject } from './emulator.drf';
import { parseFaultSpec, type FaultRegistry } from './emulator.faults';
import { paymentUrl, type HandlerContext } from './emulator.handlers';
import type { RequestLog } from './emulator.requests';
import type { EmulatorStore } from './emulator.store';
import type { Fault, FaultSpec, LookupOverride, PaymentRecord, RequestLogEntry, StoredStatus } from './emulator.types';

/** A payment as the controls show it: JSON-ready, with the status lookup would report now. */
export interface PaymentSnapshot {
  pidx: string;
  /** What lookup reports now (expiry by clock applied; lookup overrides not applied). */
  status: StoredStatus;
  /** The status as stored, before the clock is taken into account. */
  storedStatus: StoredStatus;
  amount: number;
  purchaseOrderId: string;
  purchaseOrderName: string;
  returnUrl: string;
  websiteUrl: string;
  paymentUrl: string;
  modes: string[];
  bank: string | null;
  merchantExtra: Record<string, unknown>;
  /** The initiate body as received. */
  request: Record<string, unknown>;
  createdAt: string;
  expiresAt: string;
  transactionId: string | null;
  mobile: string | null;
  completedAt: string | null;
  canceledAt: string | null;
  fee: number;
  refundedAmount: number;
  refunds: { amount: number; mobile: string | null; at: string }[];
  mpinFailures: number;
  locked: boolean;
  lookupOverride: LookupOverride | null;
}

export interface EmulatorControls {
  /** As if the buyer paid: Completed, with a transaction id. mobile defaults to 9800000000. */
  complete(pidx: string, opts?: { mobile?: string }): PaymentSnapshot;
  /** As if the buyer pressed Cancel: "User canceled". */
  cancel(pidx: string): PaymentSnapshot;
  /** Waiting for a bank's confirmation: "Pending". */
  pending(pidx: string): PaymentSnapshot;
  /** Expired now (expires_at moves to now). */
  expire(pidx: string): PaymentSnapshot;
  /** Merged into every later lookup of this payment until cleared. */
  setLookupOverride(pidx: string, override: LookupOverride): PaymentSnapshot;
  clearLookupOverride(pidx: string): PaymentSnapshot;
  payment(pidx: string): PaymentSnapshot | undefined;
  payments(): PaymentSnapshot[];
  requests(): RequestLogEntry[];
  addFault(spec: FaultSpec): { id: string };
  faults(): Fault[];
  clearFaults(): void;
  /** Forgets payments, sessions, faults and the request log. */
  reset(): void;
}

/** A control call that cannot be done; `status` is what the HTTP route answers with. */
export class EmulatorControlError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'EmulatorControlError';
  }
}

export interface ControlDeps {
  ctx: HandlerContext;
  store: EmulatorStore;
  faults: FaultRegistry;
  log: RequestLog;
}

export function createControls(deps: ControlDeps): EmulatorControls {
  const { store } = deps;
  const find = (pidx: string): PaymentRecord => {
    const record = store.get(pidx);
    if (!record) throw new EmulatorControlError(404, `No payment with pidx ${pidx}.`);
    return record;
  };
  const snap = (record: PaymentRecord) => snapshot(deps.ctx, record);
  /** A forced state change ends any half-done login on the payment page. */
  const change = (pidx: string, apply: (r: PaymentRecord) => void): PaymentSnapshot => {
    const record = find(pidx);
    apply(record);
    store.closeSessions(pidx);
    return snap(record);
  };

  return {
    complete(pidx, opts = {}) {
      const mobile = opts.mobile ?? TEST_KHALTI_IDS[0]!;
      if (typeof mobile !== 'string' || !/^\d{10}$/.test(mobile)) {
        throw new EmulatorControlError(400, 'mobile must be a 10-digit Khalti ID.');
      }
      return change(pidx, (r) => store.complete(r, mobile));
    },
    cancel: (pidx) => change(pidx, (r) => store.cancel(r)),
    pending: (pidx) => change(pidx, (r) => store.markPending(r)),
    expire: (pidx) => change(pidx, (r) => store.expire(r)),
    setLookupOverride(pidx, override) {
      const record = find(pidx);
      store.setLookupOverride(record, { ...record.lookupOverride, ...checkOverride(override) });
      return snap(record);
    },
    clearLookupOverride(pidx) {
      const record = find(pidx);
      store.setLookupOverride(record, null);
      return snap(record);
    },
    payment(pidx) {
      const record = store.get(pidx);
      return record && snap(record);
    },
    payments: () => store.all().map(snap),
    requests: () => deps.log.list(),
    addFault(spec) {
      const parsed = parseFaultSpec(spec);
      if (!parsed.ok) throw new EmulatorControlError(400, parsed.error);
      return { id: deps.faults.add(parsed.spec).id };
    },
    faults: () => deps.faults.list(),
    clearFaults: () => deps.faults.clear(),
    reset() {
      store.reset();
      deps.faults.clear();
      deps.log.clear();
    },
  };
}

/** Validates an override: only lookup's wire fields, with their wire types. */
function checkOverride(input: unknown): LookupOverride {
  if (!isPlainObject(input)) throw new EmulatorControlError(400, 'Expected a JSON object.');
  const checks: Record<keyof LookupOverride, (v: unknown) => boolean> = {
    status: (v) => typeof v === 'string',
    total_amount: (v) => Number.isSafeInteger(v),
    transaction_id: (v) => v === null || typeof v === 'string',
    fee: (v) => Number.isSafeInteger(v),
    refunded: (v) => typeof v === 'boolean',
    http_status: (v) => Number.isInteger(v) && (v as number) >= 200 && (v as number) <= 599,
  };
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(input)) {
    const check = checks[key as keyof LookupOverride];
    if (!check) throw new EmulatorControlError(400, `Unknown override field ${key}; allowed: ${Object.keys(checks).join(', ')}.`);
    if (!check(value)) throw new EmulatorControlError(400, `Override field ${key} has the wrong type.`);
    out[key] = value;
  }
  return out as LookupOverride;
}

function iso(date: Date | null): string | null {
  return date ? date.toISOString() : null;
}

export function snapshot(ctx: HandlerContext, r: PaymentRecord): PaymentSnapshot {
  return structuredClone({
    pidx: r.pidx,
    status: ctx.store.effectiveStatus(r),
    storedStatus: r.status,
    amount: r.amount,
    purchaseOrderId: r.purchaseOrderId,
    purchaseOrderName: r.purchaseOrderName,
    returnUrl: r.returnUrl,
    websiteUrl: r.websiteUrl,
    paymentUrl: paymentUrl(ctx, r.pidx),
    modes: r.modes,
    bank: r.bank,
    merchantExtra: r.merchantExtra,
    request: r.request,
    createdAt: r.createdAt.toISOString(),
    expiresAt: r.expiresAt.toISOString(),
    transactionId: r.transactionId,
    mobile: r.mobile,
    completedAt: iso(r.completedAt),
    canceledAt: iso(r.canceledAt),
    fee: r.fee,
    refundedAmount: r.refundedAmount,
    refunds: r.refunds.map((f) => ({ amount: f.amount, mobile: f.mobile, at: f.at.toISOString() })),
    mpinFailures: r.mpinFailures,
    locked: r.locked,
    lookupOverride: r.lookupOverride,
  });
}

/** The HTTP face of the controls, mounted at `<root>/__control`. */
export function createControlRouter(controls: EmulatorControls): express.Router {
  const router = express.Router();
  router.use(express.json({ limit: '1mb' }));
  const pidxOf = (req: Request) => String(req.params.pidx);

  router.get('/payments', (_req, res) => void res.json(controls.payments()));
  router.get('/payments/:pidx', (req, res) => {
    const payment = controls.payment(pidxOf(req));
    if (!payment) throw new EmulatorControlError(404, `No payment with pidx ${pidxOf(req)}.`);
    res.json(payment);
  });
  router.post('/payments/:pidx/complete', (req, res) => {
    const body = isPlainObject(req.body) ? req.body : {};
    res.json(controls.complete(pidxOf(req), body.mobile === undefined ? {} : { mobile: body.mobile as string }));
  });
  router.post('/payments/:pidx/cancel', (req, res) => void res.json(controls.cancel(pidxOf(req))));
  router.post('/payments/:pidx/pending', (req, res) => void res.json(controls.pending(pidxOf(req))));
  router.post('/payments/:pidx/expire', (req, res) => void res.json(controls.expire(pidxOf(req))));
  router.post('/payments/:pidx/lookup-override', (req, res) => {
    res.json(controls.setLookupOverride(pidxOf(req), (req.body ?? {}) as LookupOverride));
  });
  router.delete('/payments/:pidx/lookup-override', (req, res) => {
    res.json(controls.clearLookupOverride(pidxOf(req)));
  });
  router.get('/requests', (_req, res) => void res.json(controls.requests()));
  router.get('/faults', (_req, res) => void res.json(controls.faults()));
  router.post('/faults', (req, res) => void res.json(controls.addFault(req.body as FaultSpec)));
  router.delete('/faults', (_req, res) => {
    controls.clearFaults();
    res.status(204).end();
  });
  router.post('/reset', (_req, res) => {
    controls.reset();
    res.status(204).end();
  });
  router.use((_req: Request, res: Response) => void res.status(404).json({ detail: 'No such control.' }));
  router.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    if (err instanceof EmulatorControlError) return void res.status(err.status).json({ detail: err.message });
    const e = err as { status?: number; type?: string; message?: string };
    if (e.type === 'entity.parse.failed') return void res.status(400).json({ detail: `Invalid JSON: ${e.message}` });
    console.error('khalti emulator: control failed', err);
    res.status(e.status && e.status < 500 ? e.status : 500).json({ detail: e.message ?? 'Control failed.' });
  });
  return router;
}
