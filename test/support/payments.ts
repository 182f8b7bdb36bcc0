/** Shortcuts for tests that need a payment in a given state. */
import { CLIENT_KEY, type TestGateway } from './gateway';
import { INITIATE, VERIFY, orderInput } from './operations';

export interface StartedPayment {
  pidx: string;
  paymentUrl: string;
  input: Record<string, unknown>;
}

/** `key`: a client key needs a checkoutToken in `overrides` when the gateway has MERCHANT_SECRET; SERVER_KEY does not. */
export async function initiated(gateway: TestGateway, overrides: Record<string, unknown> = {}, key: string = CLIENT_KEY): Promise<StartedPayment> {
  const input = orderInput(overrides);
  const result = await gateway.gql(INITIATE, { input }, key);
  if (!result.data?.initiatePayment?.payment) throw new Error(`initiate failed: ${JSON.stringify(result)}`);
  return { pidx: result.data.initiatePayment.payment.pidx, paymentUrl: result.data.initiatePayment.paymentUrl, input };
}

/** Initiated, paid at the emulator, and verified by lookup: status COMPLETED. */
export async function completed(gateway: TestGateway, overrides: Record<string, unknown> = {}): Promise<StartedPayment> {
  const payment = await initiated(gateway, overrides);
  await gateway.control('POST', `/payments/${payment.pidx}/complete`, {});
  const verified = await gateway.gql(VERIFY, { pidx: payment.pidx }, CLIENT_KEY);
  if (verified.data?.verifyPayment?.status !== 'COMPLETED') throw new Error(`verify failed: ${JSON.stringify(verified)}`);
  return payment;
}

export async function paymentCount(gateway: TestGateway): Promise<number> {
  return (await gateway.app.services.queries.page({ first: 1 })).totalCount;
}
