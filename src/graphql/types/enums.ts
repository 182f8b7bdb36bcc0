import { registerEnumType } from 'type-graphql';
import { PAYMENT_STATUSES, type PaymentStatus as DomainPaymentStatus } from '../../payments/payment-status';
import { REFUND_STATES, type RefundState as DomainRefundState } from '../../payments/refund-state.rules';
import { STATUS_SOURCES, type StatusSource as DomainStatusSource } from '../../payments/status-source';
import { USER_ERROR_CODES, type UserErrorCode as DomainUserErrorCode } from '../../payments/user-error';
import { WEBHOOK_DELIVERY_STATES, type WebhookDeliveryState as DomainWebhookDeliveryState } from '../../payments/webhook-delivery-state.rules';
import { WEBHOOK_EVENT_TYPES, type WebhookEventType as DomainWebhookEventType } from '../../payments/webhook-event-type';

/**
 * GraphQL enums. The domain's vocabulary (statuses, refund states, status sources, user-error
 * codes) is defined once in src/payments/ and registered here as it is: every value equals its
 * name, so a value the domain hands over is the GraphQL enum value itself, without a cast.
 */

type ValueDescriptions<TEnum extends object> = Record<keyof TEnum, { description: string }>;

/** An enum object (`{ A: 'A', ... }`) for type-graphql, made from a domain list of values. */
function enumOf<const T extends string>(values: readonly T[]): { readonly [K in T]: K } {
  return Object.freeze(Object.fromEntries(values.map((value) => [value, value]))) as { readonly [K in T]: K };
}

export const PaymentStatus = enumOf(PAYMENT_STATUSES);
export type PaymentStatus = DomainPaymentStatus;

registerEnumType(PaymentStatus, {
  name: 'PaymentStatus',
  description:
    "Where a payment stands, as Khalti's lookup last reported it. Deliver the goods only when " +
    '`Payment.paid` is true (status COMPLETED and the amount Khalti reports equals the amount ' +
    'initiated); never on a status read from the return redirect or guessed.',
  valuesConfig: {
    INITIATED: {
      description:
        'Created at Khalti; the buyer has not paid yet. Do not deliver: send the buyer to ' +
        '`paymentUrl`, or wait.',
    },
    PENDING: {
      description:
        'Khalti is still processing the payment. Hold the order: neither deliver nor cancel. ' +
        'The gateway keeps looking it up and publishes the outcome.',
    },
    COMPLETED: {
      description:
        'Khalti reports the payment succeeded. Deliver only when `Payment.paid` is true as well ' +
        '(a COMPLETED payment whose amount does not match has `amountMismatch` true and `paid` false).',
    },
    REFUNDED: {
      description:
        'The payment was refunded in full. Final. Do not deliver; if you already did, treat the ' +
        'order as reversed.',
    },
    PARTIALLY_REFUNDED: {
      description:
        'The payment was completed and then refunded in part (see `Payment.refundedAmount`). ' +
        '`paid` is false from here on: settle the order by your refund policy.',
    },
    EXPIRED: {
      description:
        'The payment link expired before the buyer paid. Final: do not deliver. To let the buyer ' +
        'try again, initiate a new payment with a new purchaseOrderId.',
    },
    USER_CANCELED: {
      description:
        "The buyer canceled on Khalti's payment page. Final: do not deliver. To let the buyer " +
        'try again, initiate a new payment with a new purchaseOrderId.',
    },
    FAILED: {
      description: 'The payment failed. Final: do not deliver.',
    },
    UNKNOWN: {
      description:
        'Khalti reported a status this gateway does not recognise. Never success: hold the order ' +
        'as for PENDING; the gateway keeps looking it up.',
    },
  } satisfies ValueDescriptions<typeof PaymentStatus>,
});

export enum PaymentMode {
  KHALTI = 'KHALTI',
  EBANKING = 'EBANKING',
  MOBILE_BANKING = 'MOBILE_BANKING',
  CONNECT_IPS = 'CONNECT_IPS',
  SCT = 'SCT',
}

registerEnumType(PaymentMode, {
  name: 'PaymentMode',
  description:
    "A way the buyer may pay on Khalti's payment page, offered through `InitiatePaymentInput.modes`.",
  valuesConfig: {
    KHALTI: { description: 'Khalti wallet.' },
    EBANKING: {
      description:
        'Internet banking at a bank from `banks(type: EBANKING)`. Banking modes need an amount of at ' +
        'least 10000 paisa (NPR 100), and refunds of bank payments need the buyer\'s mobile number.',
    },
    MOBILE_BANKING: {
      description:
        'Mobile banking at a bank from `banks(type: MOBILE_CHECKOUT)`. Banking modes need an amount ' +
        'of at least 10000 paisa (NPR 100), and refunds of bank payments need the buyer\'s mobile number.',
    },
    CONNECT_IPS: { description: 'connectIPS bank transfer.' },
    SCT: { description: 'SCT card.' },
  } satisfies ValueDescriptions<typeof PaymentMode>,
});

export enum BankPaymentType {
  EBANKING = 'EBANKING',
  MOBILE_CHECKOUT = 'MOBILE_CHECKOUT',
}

registerEnumType(BankPaymentType, {
  name: 'BankPaymentType',
  description: 'Which of the bank lists Khalti publishes to read.',
  valuesConfig: {
    EBANKING: {
      description: "Banks that offer internet banking (Khalti's `payment_type=ebanking`), for mode EBANKING.",
    },
    MOBILE_CHECKOUT: {
      description:
        "Banks that offer mobile banking checkout (Khalti's `payment_type=mobilecheckout`), for mode MOBILE_BANKING.",
    },
  } satisfies ValueDescriptions<typeof BankPaymentType>,
});

export const StatusSource = enumOf(STATUS_SOURCES);
export type StatusSource = DomainStatusSource;

registerEnumType(StatusSource, {
  name: 'StatusSource',
  description:
    "What led the gateway to observe a status change. The status itself always comes from Khalti's " +
    'lookup (or, for INITIATE, from creating the payment); the source only says what triggered it.',
  valuesConfig: {
    INITIATE: { description: 'The payment was just created by `initiatePayment`.' },
    LOOKUP: { description: 'A caller asked: the `payment` query or the `verifyPayment` mutation looked it up.' },
    CALLBACK: {
      description:
        "The buyer's browser came back through the gateway's return route, which looked the payment up " +
        '(the query string of that redirect is never trusted).',
    },
    RECONCILER: { description: "The gateway's background reconciler looked the payment up." },
    REFUND: { description: 'A refund through this gateway changed or settled the status (confirmed by lookup).' },
  } satisfies ValueDescriptions<typeof StatusSource>,
});

export const RefundState = enumOf(REFUND_STATES);
export type RefundState = DomainRefundState;

registerEnumType(RefundState, {
  name: 'RefundState',
  description: 'Where a refund requested through this gateway stands.',
  valuesConfig: {
    REQUESTED: {
      description: 'Recorded and being sent to Khalti. Wait for the outcome; do not request it again.',
    },
    SUCCEEDED: { description: 'Khalti confirmed the refund.' },
    FAILED: { description: 'Khalti refused the refund; no money moved. `detail` says why.' },
    UNKNOWN: {
      description:
        'The call to Khalti ended without a clear answer (e.g. a timeout). It is never sent again and never ' +
        "concluded FAILED from Khalti's \"not refunded\" (Khalti may still apply it): it stays UNKNOWN, and blocks " +
        'further refunds of the payment (REFUND_OUTCOME_UNKNOWN), until a lookup shows it applied or an admin ' +
        'settles it with resolveRefund after checking the Khalti dashboard.',
    },
  } satisfies ValueDescriptions<typeof RefundState>,
});

export const UserErrorCode = enumOf(USER_ERROR_CODES);
export type UserErrorCode = DomainUserErrorCode;

registerEnumType(UserErrorCode, {
  name: 'UserErrorCode',
  description:
    'Why part of the input was rejected. Switch on this rather than on the message; fix the input ' +
    'named by `UserError.field` and send again. Nothing was written.',
  valuesConfig: {
    BLANK: { description: 'A required field is missing or empty.' },
    INVALID_URL: { description: 'Not a valid absolute URL (returnUrl, websiteUrl).' },
    INVALID_AMOUNT: { description: 'Not a valid amount: amounts are positive whole numbers of paisa.' },
    AMOUNT_TOO_SMALL: {
      description:
        "Below Khalti's minimum: 1000 paisa (NPR 10), or 10000 paisa (NPR 100) when a banking mode is requested.",
    },
    AMOUNT_BREAKDOWN_MISMATCH: { description: 'The amounts in `amountBreakdown` do not add up to `amount`.' },
    DUPLICATE_PURCHASE_ORDER: {
      description:
        'This purchaseOrderId was already used for a payment with different fields. Repeating an ' +
        'initiate with identical fields returns the existing payment; use a new purchaseOrderId for a new payment.',
    },
    NOT_REFUNDABLE: {
      description:
        'The payment cannot be refunded in its current state (e.g. it was never paid, is already fully ' +
        'refunded, or an earlier refund of it is still unsettled).',
    },
    REFUND_EXCEEDS_BALANCE: {
      description: 'The refund amount is more than what is left to refund of this payment.',
    },
    KHALTI_REJECTED: {
      description: "Khalti rejected the request for a reason no other code covers; `message` carries Khalti's wording.",
    },
    IDEMPOTENCY_KEY_REUSED: {
      description:
        'This idempotencyKey was already used for a refund with different fields (pidx, amount or mobile). ' +
        'Reuse a key only to replay the same request; use a new key for a new refund.',
    },
    INVALID_VALUE: {
      description:
        'A value is out of its allowed range or form (e.g. ttl, quantity, a merchantExtra key, an email, a refund mobile ' +
        'number or idempotencyKey length); the message says which rule.',
    },
    CHECKOUT_TOKEN_INVALID: {
      description:
        "A client key's initiatePayment needs a checkout token that the merchant's backend signed for this order, and its " +
        'claims (purchaseOrderId, amount, returnUrl if present) must equal the input. It is missing, malformed, expired, ' +
        'signed with another key or does not match. Ask your backend for a fresh token; nothing was written.',
    },
    REFUND_OUTCOME_UNKNOWN: {
      description:
        "An earlier refund of this payment has an unknown outcome (Khalti's answer was lost). No further refund is accepted " +
        'until a lookup shows it applied or an admin settles it with resolveRefund after checking the Khalti dashboard.',
    },
    WEBHOOKS_NOT_CONFIGURED: {
      description:
        'Webhook endpoints need WEBHOOK_SIGNING_KEY (32+ characters), from which their signing secrets are derived; it is ' +
        'not set on this gateway (only embedded mode generates one). Set it and restart; nothing was written.',
    },
  } satisfies ValueDescriptions<typeof UserErrorCode>,
});

export const WebhookEventType = enumOf(WEBHOOK_EVENT_TYPES);
export type WebhookEventType = DomainWebhookEventType;

registerEnumType(WebhookEventType, {
  name: 'WebhookEventType',
  description:
    'An event the gateway sends to webhook endpoints, each in the transaction that records what it reports. The wire ' +
    '`type` in the body is the lowercase name with its first underscore as a dot: PAYMENT_PARTIALLY_REFUNDED is ' +
    '`payment.partially_refunded`. Decide delivery of goods on `data.paid`, as on `Payment.paid`.',
  valuesConfig: {
    PAYMENT_COMPLETED: {
      description: 'A lookup found the payment completed (`lateCompletion` true if the gateway had given up on it). Deliver when `data.paid` is true.',
    },
    PAYMENT_PENDING: { description: 'Khalti is processing the payment: hold the order.' },
    PAYMENT_FAILED: { description: 'The payment failed. Final unless Khalti later reports it completed.' },
    PAYMENT_EXPIRED: { description: 'The payment link expired before the buyer paid.' },
    PAYMENT_CANCELED: { description: "The buyer canceled on Khalti's payment page." },
    PAYMENT_REFUNDED: { description: 'Khalti reports the payment refunded in full.' },
    PAYMENT_PARTIALLY_REFUNDED: { description: 'Khalti reports the payment refunded in part (`data.refundedAmount`).' },
    PAYMENT_AMOUNT_MISMATCH: {
      description:
        'Khalti reports the money moved with a total_amount other than the amount initiated: not paid. Sent beside the ' +
        'status event of the same change. Check the payment at Khalti before fulfilling or refunding.',
    },
    REFUND_SUCCEEDED: { description: 'A refund through this gateway succeeded (`data.refund`).' },
    REFUND_FAILED: { description: 'A refund through this gateway failed; no money moved (`data.refund.detail` says why).' },
    REFUND_UNKNOWN: {
      description: "A refund's outcome is unknown (Khalti's answer was lost); a refund.succeeded or refund.failed follows once it is settled.",
    },
    WEBHOOK_TEST: {
      description: 'Sent only by sendTestWebhook, whatever the endpoint subscribed to; an endpoint cannot subscribe to it.',
    },
  } satisfies ValueDescriptions<typeof WebhookEventType>,
});

export const WebhookDeliveryState = enumOf(WEBHOOK_DELIVERY_STATES);
export type WebhookDeliveryState = DomainWebhookDeliveryState;

registerEnumType(WebhookDeliveryState, {
  name: 'WebhookDeliveryState',
  description: 'Where the delivery of one event to one endpoint stands.',
  valuesConfig: {
    PENDING: { description: 'Not delivered yet: the next attempt is due at `nextAttemptAt`.' },
    DELIVERED: { description: 'The endpoint answered 2xx. Final.' },
    FAILED: {
      description:
        'Given up: the retry schedule was spent, the endpoint answered 410 Gone (and was disabled), or it was disabled or ' +
        'deleted. Final; `redeliverWebhooks` queues a new delivery of the same event.',
    },
  } satisfies ValueDescriptions<typeof WebhookDeliveryState>,
});
