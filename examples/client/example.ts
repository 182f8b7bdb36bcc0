/**
 * What a merchant's server does with the gateway, using the typed documents that `npm run codegen`
 * generates from schema/schema.graphql and examples/operations/:
 *
 *   1. initiate a payment and send the buyer to its payment URL,
 *   2. watch its status over the `paymentStatusChanged` subscription,
 *   3. read the payment and deliver only when `paid` is true.
 *
 * Against a running gateway (`npm start`; with KHALTI_ENV=embedded it prints the keys it made):
 *
 *   GATEWAY_URL=http://localhost:4000/graphql GATEWAY_API_KEY=<server key> npx tsx examples/client/example.ts
 *
 * A server key (GATEWAY_SERVER_KEYS) initiates without a checkout token. In embedded mode without
 * MERCHANT_SECRET the printed client key works too; anywhere else a client key needs the
 * `checkoutToken` your backend signs (README, "Checkout tokens").
 */
import {
  InitiatePaymentDocument,
  PaymentDocument,
  PaymentStatusChangedDocument,
  type InitiatePaymentInput,
  type PaymentQuery,
  type PaymentStatus,
} from '../generated/graphql';
import { createGatewayClient, type GatewayClient } from './gateway-client';

/** Statuses in which the outcome is not known yet: keep waiting. */
const WAITING: ReadonlySet<PaymentStatus> = new Set<PaymentStatus>(['INITIATED', 'PENDING', 'UNKNOWN']);

/** 1. Initiate: returns the pidx and the URL to send the buyer to, or throws with the user errors. */
export async function initiate(client: GatewayClient, input: InitiatePaymentInput): Promise<{ pidx: string; paymentUrl: string }> {
  const { initiatePayment } = await client.request(InitiatePaymentDocument, { input });
  if (initiatePayment.userErrors.length > 0) {
    const lines = initiatePayment.userErrors.map((e) => `${e.field?.join('.') ?? '(input)'}: ${e.message} [${e.code}]`);
    throw new Error(`initiatePayment rejected the input:\n  ${lines.join('\n  ')}`);
  }
  if (!initiatePayment.payment || !initiatePayment.paymentUrl) throw new Error('initiatePayment returned no payment');
  return { pidx: initiatePayment.payment.pidx, paymentUrl: initiatePayment.paymentUrl };
}

/** 2. Watch: prints each status change until the outcome is known, and returns the last status. */
export async function watch(client: GatewayClient, pidx: string, print: (line: string) => void): Promise<PaymentStatus> {
  for await (const { paymentStatusChanged: change } of client.subscribe(PaymentStatusChangedDocument, { pidx })) {
    print(`${change.occurredAt}: ${change.previousStatus ?? '-'} -> ${change.status} (${change.source}), paid=${change.payment.paid}`);
    if (!WAITING.has(change.status)) return change.status; // leaving the loop unsubscribes
  }
  throw new Error('the subscription ended before the payment reached an outcome');
}

/** 3. Read: the payment as the gateway knows it (after it asked Khalti, while the status is not final). */
export async function read(client: GatewayClient, pidx: string): Promise<NonNullable<PaymentQuery['payment']>> {
  const { payment } = await client.request(PaymentDocument, { pidx });
  if (!payment) throw new Error(`no payment ${pidx} was initiated through this gateway`);
  return payment;
}

export async function main(env: NodeJS.ProcessEnv = process.env, print: (line: string) => void = console.log): Promise<void> {
  const url = env.GATEWAY_URL ?? 'http://localhost:4000/graphql';
  const apiKey = env.GATEWAY_API_KEY;
  if (!apiKey) throw new Error('Set GATEWAY_API_KEY to a server (or admin) API key of the gateway.');
  const client = createGatewayClient({ url, apiKey });
  try {
    const { pidx, paymentUrl } = await initiate(client, {
      purchaseOrderId: `example-${Date.now()}`,
      purchaseOrderName: 'Example order',
      amount: 1000, // paisa: NPR 10
      returnUrl: 'http://localhost:3000/orders/return',
      websiteUrl: 'http://localhost:3000',
    });
    print(`Payment ${pidx} initiated. Open ${paymentUrl} to pay; waiting for its outcome...`);

    const status = await watch(client, pidx, print);
    const payment = await read(client, pidx);
    print(
      payment.paid
        ? `Paid: ${payment.totalAmount} paisa, transaction ${payment.transactionId}. Deliver the order.`
        : `Not paid (status ${status}${payment.amountMismatch ? ', amount mismatch' : ''}). Do not deliver.`,
    );
  } finally {
    await client.close();
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
}
