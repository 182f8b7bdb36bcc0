/**
 * The emulator's own vocabulary. Status strings are Khalti's wire strings (the emulator is a
 * Khalti server, so it speaks Khalti's spelling, not the gateway's enum).
 */

/** Statuses a payment can be in inside the emulator; lookup reports them verbatim. */
export type StoredStatus =
  | 'Initiated'
  | 'Pending'
  | 'Completed'
  | 'Refunded'
  | 'Partially Refunded'
  | 'Expired'
  | 'User canceled';

/** The API routes that are logged and can be faulted. */
export const API_ROUTES = ['initiate', 'lookup', 'refund', 'banks', 'status'] as const;
export type ApiRouteName = (typeof API_ROUTES)[number];

/** Fields of a lookup answer a test may force (snake_case, as on the wire), plus the HTTP status. */
export interface LookupOverride {
  status?: string;
  total_amount?: number;
  transaction_id?: string | null;
  fee?: number;
  refunded?: boolean;
  http_status?: number;
}

export interface RefundRecord {
  /** paisa */
  amount: number;
  /** Given for bank payments (Khalti requires it there); null for wallet refunds. */
  mobile: string | null;
  at: Date;
}

export interface PaymentRecord {
  pidx: string;
  /** The initiate body as received (after JSON parsing), for tests that check what a client sent. */
  request: Record<string, unknown>;
  returnUrl: string;
  websiteUrl: string;
  /** paisa */
  amount: number;
  purchaseOrderId: string;
  purchaseOrderName: string;
  modes: string[];
  bank: string | null;
  /** Every `merchant_*` key of the initiate body; returned on the success redirect. */
  merchantExtra: Record<string, unknown>;
  /** Stored status. What lookup reports also depends on the clock (see effectiveStatus). */
  status: StoredStatus;
  createdAt: Date;
  expiresAt: Date;
  transactionId: string | null;
  /** The payer's Khalti ID (unmasked; only the redirect masks it). */
  mobile: string | null;
  completedAt: Date | null;
  canceledAt: Date | null;
  /** paisa; always 0 in the emulator unless a lookup override says otherwise. */
  fee: number;
  refunds: RefundRecord[];
  /** paisa, sum of refunds */
  refundedAmount: number;
  /** Wrong MPINs entered on the payment page. */
  mpinFailures: number;
  /** Set once mpinFailures reaches the limit: the page refuses further logins. */
  locked: boolean;
  lookupOverride: LookupOverride | null;
}

/** One per-login session of the payment page (between a correct MPIN and the OTP). */
export interface PageSession {
  token: string;
  pidx: string;
  mobile: string;
  createdAt: Date;
}

export interface RequestLogEntry {
  at: string;
  method: string;
  /** Path relative to the emulator root, without the query string. */
  path: string;
  route: ApiRouteName;
  /** Whether an Authorization header was present. Its value is never kept. */
  hasAuthorization: boolean;
  /** null for the bank list, which needs no authorization; false when a fault answered first. */
  authorized: boolean | null;
  query: Record<string, string>;
  /** The parsed request body (never contains credentials: Khalti takes those in the header only). */
  body?: unknown;
  /** HTTP status sent, when a complete answer was sent. */
  status?: number;
  /** The fault applied to this request, if any. */
  fault?: { id: string; kind: FaultKind; phase: FaultPhase };
}

export const FAULT_KINDS = ['latency', 'status', 'html', 'reset', 'malformed', 'truncated', 'slow-body'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];
export const FAULT_PHASES = ['before', 'after'] as const;
export type FaultPhase = (typeof FAULT_PHASES)[number];
export type FaultRoute = ApiRouteName | '*';

export interface FaultSpec {
  route: FaultRoute;
  kind: FaultKind;
  /** How many matching requests the fault applies to (default 1). */
  count?: number;
  ms?: number;
  status?: number;
  body?: unknown;
  phase?: FaultPhase;
}

export interface Fault {
  id: string;
  route: FaultRoute;
  kind: FaultKind;
  remaining: number;
  ms: number | undefined;
  status: number | undefined;
  body: unknown;
  phase: FaultPhase;
}

/** What an API handler decides to answer; emulator.api.ts sends it (or breaks it, for faults). */
export interface ApiResult {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}
