/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';
/** One part of the amount (e.g. subtotal, VAT, delivery). The parts must add up to `amount`. */
export type AmountBreakdownInput = {
  /** This part, in paisa (1 NPR = 100 paisa). */
  amount: number;
  /** What this part is, e.g. "VAT"; shown to the buyer. */
  label: string;
};

/** Which of the bank lists Khalti publishes to read. */
export type BankPaymentType =
  /** Banks that offer internet banking (Khalti's `payment_type=ebanking`), for mode EBANKING. */
  | 'EBANKING'
  /** Banks that offer mobile banking checkout (Khalti's `payment_type=mobilecheckout`), for mode MOBILE_BANKING. */
  | 'MOBILE_CHECKOUT';

/** The buyer's details, passed on to Khalti. All optional. */
export type CustomerInfoInput = {
  /** The buyer's email address. */
  email?: string | null | undefined;
  /** The buyer's name. */
  name?: string | null | undefined;
  /** The buyer's phone number. */
  phone?: string | null | undefined;
};

/** What to charge the buyer for and where to send them back. Amounts are in paisa (1 NPR = 100 paisa). */
export type InitiatePaymentInput = {
  /** Amount to charge, in paisa (1 NPR = 100 paisa). At least 1000 (NPR 10); at least 10000 (NPR 100) when a banking mode is requested. */
  amount: number;
  /** Parts of the amount shown to the buyer (e.g. subtotal, VAT); their amounts must add up to `amount`. */
  amountBreakdown?: Array<AmountBreakdownInput> | null | undefined;
  /** A `Bank.idx` from the `banks` query, to preselect the buyer's bank for a banking mode. */
  bank?: string | null | undefined;
  /** A JWT the merchant's backend signed (HS256, MERCHANT_SECRET) with claims purchaseOrderId, amount, exp (at most an hour ahead) and optionally returnUrl, equal to this input. Required with a client key; server and admin keys may omit it (one they send is checked all the same). Wrong or missing: userError CHECKOUT_TOKEN_INVALID. */
  checkoutToken?: string | null | undefined;
  /** The buyer's details, passed on to Khalti. */
  customerInfo?: CustomerInfoInput | null | undefined;
  /** Custom fields of yours, each sent to Khalti as `merchant_<key>`. */
  merchantExtra?: Array<MerchantExtraInput> | null | undefined;
  /** Payment modes to offer the buyer; omit to let Khalti offer its defaults. */
  modes?: Array<PaymentMode> | null | undefined;
  /** The products in the order, passed on to Khalti. */
  productDetails?: Array<ProductDetailInput> | null | undefined;
  /** Your unique order identifier. Repeating an initiate with identical fields returns the same payment; the same purchaseOrderId with different fields is DUPLICATE_PURCHASE_ORDER. */
  purchaseOrderId: string;
  /** Your name for the order, shown to the buyer. */
  purchaseOrderName: string;
  /** Your own URL where the buyer lands after paying or canceling, once the gateway has verified the payment with Khalti (Khalti itself is given the gateway's return route). The gateway appends pidx, status, purchase_order_id and paid; confirm with the `payment` query before delivering. */
  returnUrl: string;
  /** How long the payment link stays valid, in seconds; omit for Khalti's default. */
  ttl?: number | null | undefined;
  /** Your website's URL, passed on to Khalti. */
  websiteUrl: string;
};

/** A custom field of yours, sent to Khalti as `merchant_<key>`. */
export type MerchantExtraInput = {
  /** Name without the `merchant_` prefix: `order_source` is sent as `merchant_order_source`. */
  key: string;
  /** Value, sent as given. */
  value: string;
};

/** A way the buyer may pay on Khalti's payment page, offered through `InitiatePaymentInput.modes`. */
export type PaymentMode =
  /** connectIPS bank transfer. */
  | 'CONNECT_IPS'
  /** Internet banking at a bank from `banks(type: EBANKING)`. Banking modes need an amount of at least 10000 paisa (NPR 100), and refunds of bank payments need the buyer's mobile number. */
  | 'EBANKING'
  /** Khalti wallet. */
  | 'KHALTI'
  /** Mobile banking at a bank from `banks(type: MOBILE_CHECKOUT)`. Banking modes need an amount of at least 10000 paisa (NPR 100), and refunds of bank payments need the buyer's mobile number. */
  | 'MOBILE_BANKING'
  /** SCT card. */
  | 'SCT';

/** Where a payment stands, as Khalti's lookup last reported it. Deliver the goods only when `Payment.paid` is true (status COMPLETED and the amount Khalti reports equals the amount initiated); never on a status read from the return redirect or guessed. */
export type PaymentStatus =
  /** Khalti reports the payment succeeded. Deliver only when `Payment.paid` is true as well (a COMPLETED payment whose amount does not match has `amountMismatch` true and `paid` false). */
  | 'COMPLETED'
  /** The payment link expired before the buyer paid. Final: do not deliver. To let the buyer try again, initiate a new payment with a new purchaseOrderId. */
  | 'EXPIRED'
  /** The payment failed. Final: do not deliver. */
  | 'FAILED'
  /** Created at Khalti; the buyer has not paid yet. Do not deliver: send the buyer to `paymentUrl`, or wait. */
  | 'INITIATED'
  /** The payment was completed and then refunded in part (see `Payment.refundedAmount`). `paid` is false from here on: settle the order by your refund policy. */
  | 'PARTIALLY_REFUNDED'
  /** Khalti is still processing the payment. Hold the order: neither deliver nor cancel. The gateway keeps looking it up and publishes the outcome. */
  | 'PENDING'
  /** The payment was refunded in full. Final. Do not deliver; if you already did, treat the order as reversed. */
  | 'REFUNDED'
  /** Khalti reported a status this gateway does not recognise. Never success: hold the order as for PENDING; the gateway keeps looking it up. */
  | 'UNKNOWN'
  /** The buyer canceled on Khalti's payment page. Final: do not deliver. To let the buyer try again, initiate a new payment with a new purchaseOrderId. */
  | 'USER_CANCELED';

/** One product in the order, passed on to Khalti. */
export type ProductDetailInput = {
  /** Your identifier of the product, e.g. its SKU. */
  identity: string;
  /** Name of the product. */
  name: string;
  /** Number of units. */
  quantity: number;
  /** unitPrice × quantity, in paisa (1 NPR = 100 paisa). */
  totalPrice: number;
  /** Price of one unit, in paisa (1 NPR = 100 paisa). */
  unitPrice: number;
};

/** A refund of a paid payment, in full or in part. Admin only. */
export type RefundInput = {
  /** Amount to refund, in paisa (1 NPR = 100 paisa). Omit for a full refund of what is left. */
  amount?: number | null | undefined;
  /** Your key for this refund request. Sending the same request with the same key again replays the first outcome instead of refunding twice; the same key with different fields is IDEMPOTENCY_KEY_REUSED. */
  idempotencyKey?: string | null | undefined;
  /** The buyer's mobile number. Required for refunds of bank payments (banking modes); omit for Khalti wallet payments. */
  mobile?: string | null | undefined;
  /** The payment to refund. */
  pidx: string;
};

/** Where a refund requested through this gateway stands. */
export type RefundState =
  /** Khalti refused the refund; no money moved. `detail` says why. */
  | 'FAILED'
  /** Recorded and being sent to Khalti. Wait for the outcome; do not request it again. */
  | 'REQUESTED'
  /** Khalti confirmed the refund. */
  | 'SUCCEEDED'
  /** The call to Khalti ended without a clear answer (e.g. a timeout). It is never sent again and never concluded FAILED from Khalti's "not refunded" (Khalti may still apply it): it stays UNKNOWN, and blocks further refunds of the payment (REFUND_OUTCOME_UNKNOWN), until a lookup shows it applied or an admin settles it with resolveRefund after checking the Khalti dashboard. */
  | 'UNKNOWN';

/** Settles a refund whose outcome is UNKNOWN, after checking the Khalti dashboard. Admin only; recorded in the audit log with the admin's key id and the note. */
export type ResolveRefundInput = {
  /** What you checked, for the audit log (1 to 1000 characters). No personal data. */
  note: string;
  /** The UNKNOWN refund (Refund.id). */
  refundId: string;
  /** SUCCEEDED if the dashboard shows the refund, FAILED if it does not (this frees the balance for another refund). */
  state: RefundState;
};

/** What led the gateway to observe a status change. The status itself always comes from Khalti's lookup (or, for INITIATE, from creating the payment); the source only says what triggered it. */
export type StatusSource =
  /** The buyer's browser came back through the gateway's return route, which looked the payment up (the query string of that redirect is never trusted). */
  | 'CALLBACK'
  /** The payment was just created by `initiatePayment`. */
  | 'INITIATE'
  /** A caller asked: the `payment` query or the `verifyPayment` mutation looked it up. */
  | 'LOOKUP'
  /** The gateway's background reconciler looked the payment up. */
  | 'RECONCILER'
  /** A refund through this gateway changed or settled the status (confirmed by lookup). */
  | 'REFUND';

/** Why part of the input was rejected. Switch on this rather than on the message; fix the input named by `UserError.field` and send again. Nothing was written. */
export type UserErrorCode =
  /** The amounts in `amountBreakdown` do not add up to `amount`. */
  | 'AMOUNT_BREAKDOWN_MISMATCH'
  /** Below Khalti's minimum: 1000 paisa (NPR 10), or 10000 paisa (NPR 100) when a banking mode is requested. */
  | 'AMOUNT_TOO_SMALL'
  /** A required field is missing or empty. */
  | 'BLANK'
  /** A client key's initiatePayment needs a checkout token that the merchant's backend signed for this order, and its claims (purchaseOrderId, amount, returnUrl if present) must equal the input. It is missing, malformed, expired, signed with another key or does not match. Ask your backend for a fresh token; nothing was written. */
  | 'CHECKOUT_TOKEN_INVALID'
  /** This purchaseOrderId was already used for a payment with different fields. Repeating an initiate with identical fields returns the existing payment; use a new purchaseOrderId for a new payment. */
  | 'DUPLICATE_PURCHASE_ORDER'
  /** This idempotencyKey was already used for a refund with different fields (pidx, amount or mobile). Reuse a key only to replay the same request; use a new key for a new refund. */
  | 'IDEMPOTENCY_KEY_REUSED'
  /** Not a valid amount: amounts are positive whole numbers of paisa. */
  | 'INVALID_AMOUNT'
  /** Not a valid absolute URL (returnUrl, websiteUrl). */
  | 'INVALID_URL'
  /** A value is out of its allowed range or form (e.g. ttl, quantity, a merchantExtra key, an email, a refund mobile number or idempotencyKey length); the message says which rule. */
  | 'INVALID_VALUE'
  /** Khalti rejected the request for a reason no other code covers; `message` carries Khalti's wording. */
  | 'KHALTI_REJECTED'
  /** The payment cannot be refunded in its current state (e.g. it was never paid, is already fully refunded, or an earlier refund of it is still unsettled). */
  | 'NOT_REFUNDABLE'
  /** The refund amount is more than what is left to refund of this payment. */
  | 'REFUND_EXCEEDS_BALANCE'
  /** An earlier refund of this payment has an unknown outcome (Khalti's answer was lost). No further refund is accepted until a lookup shows it applied or an admin settles it with resolveRefund after checking the Khalti dashboard. */
  | 'REFUND_OUTCOME_UNKNOWN'
  /** Webhook endpoints need WEBHOOK_SIGNING_KEY (32+ characters), from which their signing secrets are derived; it is not set on this gateway (only embedded mode generates one). Set it and restart; nothing was written. */
  | 'WEBHOOKS_NOT_CONFIGURED';

export type AuditLogQueryVariables = Exact<{
  pidx?: string | null | undefined;
  first?: number | null | undefined;
  after?: string | null | undefined;
}>;


export type AuditLogQuery = { auditLog: { totalCount: number, pageInfo: { hasNextPage: boolean, endCursor: string | null }, edges: Array<{ node: { id: string, at: string, kind: string, operation: string, actor: string | null, httpStatus: number | null, durationMs: number | null, detail: string | null } }> } };

export type BanksQueryVariables = Exact<{
  type: BankPaymentType;
}>;


export type BanksQuery = { banks: Array<{ idx: string, name: string, shortName: string | null, logo: string | null }> };

export type CheckoutConfigQueryVariables = Exact<{ [key: string]: never; }>;


export type CheckoutConfigQuery = { checkoutConfig: { environment: string, publicKey: string | null, returnUrl: string } };

export type InitiatePaymentMutationVariables = Exact<{
  input: InitiatePaymentInput;
}>;


export type InitiatePaymentMutation = { initiatePayment: { paymentUrl: string | null, payment: { pidx: string, status: PaymentStatus, amount: number, expiresAt: string, statusCursor: string } | null, userErrors: Array<{ field: Array<string> | null, message: string, code: UserErrorCode }> } };

export type PaymentStatusChangedSubscriptionVariables = Exact<{
  pidx: string;
}>;


export type PaymentStatusChangedSubscription = { paymentStatusChanged: { pidx: string, previousStatus: PaymentStatus | null, status: PaymentStatus, source: StatusSource, occurredAt: string, payment: { paid: boolean, totalAmount: number | null } } };

export type PaymentQueryVariables = Exact<{
  pidx: string;
}>;


export type PaymentQuery = { payment: { pidx: string, purchaseOrderId: string, status: PaymentStatus, paid: boolean, amount: number, totalAmount: number | null, amountMismatch: boolean, transactionId: string | null, refundedAmount: number, lateCompletion: boolean } | null };

export type PaymentsQueryVariables = Exact<{
  status?: PaymentStatus | null | undefined;
  first?: number | null | undefined;
  after?: string | null | undefined;
}>;


export type PaymentsQuery = { payments: { totalCount: number, pageInfo: { hasNextPage: boolean, endCursor: string | null }, edges: Array<{ cursor: string, node: { pidx: string, purchaseOrderId: string, status: PaymentStatus, paid: boolean, amount: number, refundedAmount: number, refunds: Array<{ id: string, amount: number, state: RefundState }> | null } }> } };

export type RefundMutationVariables = Exact<{
  input: RefundInput;
}>;


export type RefundMutation = { refund: { refund: { id: string, amount: number, state: RefundState, detail: string | null } | null, payment: { pidx: string, status: PaymentStatus, refundedAmount: number } | null, userErrors: Array<{ field: Array<string> | null, message: string, code: UserErrorCode }> } };

export type ResolveRefundMutationVariables = Exact<{
  input: ResolveRefundInput;
}>;


export type ResolveRefundMutation = { resolveRefund: { refund: { id: string, amount: number, state: RefundState, detail: string | null } | null, payment: { pidx: string, status: PaymentStatus, refundedAmount: number, paid: boolean } | null, userErrors: Array<{ field: Array<string> | null, message: string, code: UserErrorCode }> } };

export type TransactionStatusQueryVariables = Exact<{
  token: string;
  amount: number;
}>;


export type TransactionStatusQuery = { transactionStatus: { status: boolean, state: string, detail: string } };

export type VerifyPaymentMutationVariables = Exact<{
  pidx: string;
}>;


export type VerifyPaymentMutation = { verifyPayment: { pidx: string, status: PaymentStatus, paid: boolean, totalAmount: number | null } | null };


export const AuditLogDocument = {"__meta__":{"hash":"sha256:94cd0b0cc95192b4854a81efe3df57b138f2357cd042da03c539afff065cf933"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"AuditLog"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"pidx"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"auditLog"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"pidx"},"value":{"kind":"Variable","name":{"kind":"Name","value":"pidx"}}},{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"totalCount"}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}},{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"at"}},{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"operation"}},{"kind":"Field","name":{"kind":"Name","value":"actor"}},{"kind":"Field","name":{"kind":"Name","value":"httpStatus"}},{"kind":"Field","name":{"kind":"Name","value":"durationMs"}},{"kind":"Field","name":{"kind":"Name","value":"detail"}}]}}]}}]}}]}}]} as unknown as DocumentNode<AuditLogQuery, AuditLogQueryVariables>;
export const BanksDocument = {"__meta__":{"hash":"sha256:21672fc1e59818433120dec811b099194f9031ea1618ae6260a99656a5721fd5"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"Banks"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"type"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"BankPaymentType"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"banks"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"type"},"value":{"kind":"Variable","name":{"kind":"Name","value":"type"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"idx"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"shortName"}},{"kind":"Field","name":{"kind":"Name","value":"logo"}}]}}]}}]} as unknown as DocumentNode<BanksQuery, BanksQueryVariables>;
export const CheckoutConfigDocument = {"__meta__":{"hash":"sha256:dbe59a042ca9735f4d010d48571ba16a05d7e8b77dbda9589321ba5443100343"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"CheckoutConfig"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"checkoutConfig"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"environment"}},{"kind":"Field","name":{"kind":"Name","value":"publicKey"}},{"kind":"Field","name":{"kind":"Name","value":"returnUrl"}}]}}]}}]} as unknown as DocumentNode<CheckoutConfigQuery, CheckoutConfigQueryVariables>;
export const InitiatePaymentDocument = {"__meta__":{"hash":"sha256:2275a5811c524f9188d60958265500c173222a55e4d292aa100538ed7f3ec9dd"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"InitiatePayment"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"InitiatePaymentInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"initiatePayment"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"paymentUrl"}},{"kind":"Field","name":{"kind":"Name","value":"payment"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"pidx"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"amount"}},{"kind":"Field","name":{"kind":"Name","value":"expiresAt"}},{"kind":"Field","name":{"kind":"Name","value":"statusCursor"}}]}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"code"}}]}}]}}]}}]} as unknown as DocumentNode<InitiatePaymentMutation, InitiatePaymentMutationVariables>;
export const PaymentStatusChangedDocument = {"__meta__":{"hash":"sha256:8a152dc6974b5a42a59a9c0ea1110d040169e965a43870aa323620ad033aa76b"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"subscription","name":{"kind":"Name","value":"PaymentStatusChanged"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"pidx"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"paymentStatusChanged"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"pidx"},"value":{"kind":"Variable","name":{"kind":"Name","value":"pidx"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"pidx"}},{"kind":"Field","name":{"kind":"Name","value":"previousStatus"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"source"}},{"kind":"Field","name":{"kind":"Name","value":"occurredAt"}},{"kind":"Field","name":{"kind":"Name","value":"payment"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"paid"}},{"kind":"Field","name":{"kind":"Name","value":"totalAmount"}}]}}]}}]}}]} as unknown as DocumentNode<PaymentStatusChangedSubscription, PaymentStatusChangedSubscriptionVariables>;
export const PaymentDocument = {"__meta__":{"hash":"sha256:1b82f216abe739587adaec6adbca505492bf132da24936a4b04c16eb70cd2004"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"Payment"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"pidx"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"payment"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"pidx"},"value":{"kind":"Variable","name":{"kind":"Name","value":"pidx"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"pidx"}},{"kind":"Field","name":{"kind":"Name","value":"purchaseOrderId"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"paid"}},{"kind":"Field","name":{"kind":"Name","value":"amount"}},{"kind":"Field","name":{"kind":"Name","value":"totalAmount"}},{"kind":"Field","name":{"kind":"Name","value":"amountMismatch"}},{"kind":"Field","name":{"kind":"Name","value":"transactionId"}},{"kind":"Field","name":{"kind":"Name","value":"refundedAmount"}},{"kind":"Field","name":{"kind":"Name","value":"lateCompletion"}}]}}]}}]} as unknown as DocumentNode<PaymentQuery, PaymentQueryVariables>;
export const PaymentsDocument = {"__meta__":{"hash":"sha256:f879c122a025086fb294b3de7432d3eebbea0df1681a7d8e252811ce637d107b"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"Payments"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"status"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"PaymentStatus"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"payments"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"status"},"value":{"kind":"Variable","name":{"kind":"Name","value":"status"}}},{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"totalCount"}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}},{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"cursor"}},{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"pidx"}},{"kind":"Field","name":{"kind":"Name","value":"purchaseOrderId"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"paid"}},{"kind":"Field","name":{"kind":"Name","value":"amount"}},{"kind":"Field","name":{"kind":"Name","value":"refundedAmount"}},{"kind":"Field","name":{"kind":"Name","value":"refunds"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"amount"}},{"kind":"Field","name":{"kind":"Name","value":"state"}}]}}]}}]}}]}}]}}]} as unknown as DocumentNode<PaymentsQuery, PaymentsQueryVariables>;
export const RefundDocument = {"__meta__":{"hash":"sha256:a6fc95973b65ec64faab105ac0ae2873f38d5e482b916e76072429854dde0789"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"Refund"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"RefundInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"refund"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"refund"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"amount"}},{"kind":"Field","name":{"kind":"Name","value":"state"}},{"kind":"Field","name":{"kind":"Name","value":"detail"}}]}},{"kind":"Field","name":{"kind":"Name","value":"payment"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"pidx"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"refundedAmount"}}]}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"code"}}]}}]}}]}}]} as unknown as DocumentNode<RefundMutation, RefundMutationVariables>;
export const ResolveRefundDocument = {"__meta__":{"hash":"sha256:d622ea8c7f79a7f76aa0dd90bfb3e2e7d920b97bac2b4a4f0cc9564fb1681b53"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"ResolveRefund"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ResolveRefundInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"resolveRefund"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"refund"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"amount"}},{"kind":"Field","name":{"kind":"Name","value":"state"}},{"kind":"Field","name":{"kind":"Name","value":"detail"}}]}},{"kind":"Field","name":{"kind":"Name","value":"payment"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"pidx"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"refundedAmount"}},{"kind":"Field","name":{"kind":"Name","value":"paid"}}]}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"code"}}]}}]}}]}}]} as unknown as DocumentNode<ResolveRefundMutation, ResolveRefundMutationVariables>;
export const TransactionStatusDocument = {"__meta__":{"hash":"sha256:d1061f9000e490be669e2d31b0d128381626b519cbcb6bff3bf1e8dacb956564"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"TransactionStatus"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"token"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"amount"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"transactionStatus"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"token"},"value":{"kind":"Variable","name":{"kind":"Name","value":"token"}}},{"kind":"Argument","name":{"kind":"Name","value":"amount"},"value":{"kind":"Variable","name":{"kind":"Name","value":"amount"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"state"}},{"kind":"Field","name":{"kind":"Name","value":"detail"}}]}}]}}]} as unknown as DocumentNode<TransactionStatusQuery, TransactionStatusQueryVariables>;
export const VerifyPaymentDocument = {"__meta__":{"hash":"sha256:dd9cb70817aee79ced261b81111257600c2aff6ee0ac65bf0019ce94f6f57760"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"VerifyPayment"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"pidx"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"verifyPayment"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"pidx"},"value":{"kind":"Variable","name":{"kind":"Name","value":"pidx"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"pidx"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"paid"}},{"kind":"Field","name":{"kind":"Name","value":"totalAmount"}}]}}]}}]} as unknown as DocumentNode<VerifyPaymentMutation, VerifyPaymentMutationVariables>;