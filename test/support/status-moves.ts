/**
 * Four status changes of one payment, one after another, made through the real gateway and the
 * emulator's controls: INITIATED->PENDING, PENDING->COMPLETED, COMPLETED->PARTIALLY_REFUNDED,
 * PARTIALLY_REFUNDED->REFUNDED (the payment is 1300 paisa: refunds of 300, then 1000).
 */
import { ADMIN_KEY, CLIENT_KEY, SERVER_KEY, type TestGateway } from './gateway';
import { INITIATE, REFUND, VERIFY, orderInput } from './operations';

export const MOVES = ['INITIATED->PENDING', 'PENDING->COMPLETED', 'COMPLETED->PARTIALLY_REFUNDED', 'PARTIALLY_REFUNDED->REFUNDED'] as const;

export async function newPayment(gateway: TestGateway): Promise<string> {
  const result = await gateway.gql(INITIATE, { input: orderInput() }, SERVER_KEY);
  const pidx = result.data?.initiatePayment?.payment?.pidx as string | undefined;
  if (!pidx) throw new Error(`initiate failed: ${JSON.stringify(result)}`);
  return pidx;
}

/** Makes change number `n` (1-4) of MOVES, through `gateway`; `control` is the emulator's (shared emulator or the gateway's own). */
export async function move(gateway: TestGateway, pidx: string, n: 1 | 2 | 3 | 4, control = gateway.control): Promise<void> {
  const expectStatus = async (result: { data?: any; errors?: unknown }, status: string, what: string) => {
    const got = result.data?.verifyPayment?.status ?? result.data?.refund?.payment?.status;
    if (got !== status) throw new Error(`${what}: expected ${status}, got ${JSON.stringify(result)}`);
  };
  if (n === 1) {
    await control('POST', `/payments/${pidx}/pending`, {});
    await expectStatus(await gateway.gql(VERIFY, { pidx }, CLIENT_KEY), 'PENDING', 'pending');
  } else if (n === 2) {
    await control('POST', `/payments/${pidx}/complete`, {});
    await expectStatus(await gateway.gql(VERIFY, { pidx }, CLIENT_KEY), 'COMPLETED', 'complete');
  } else if (n === 3) {
    await expectStatus(await gateway.gql(REFUND, { input: { pidx, amount: 300 } }, ADMIN_KEY), 'PARTIALLY_REFUNDED', 'partial refund');
  } else {
    await expectStatus(await gateway.gql(REFUND, { input: { pidx, amount: 1000 } }, ADMIN_KEY), 'REFUNDED', 'refund');
  }
}

export const changesOf = (events: { paymentStatusChanged: { previousStatus: string | null; status: string } }[]): string[] =>
  events.map((event) => `${event.paymentStatusChanged.previousStatus}->${event.paymentStatusChanged.status}`);

/** Lets anything that would still arrive (a duplicate) arrive before the test checks there is none. */
export const settle = (ms = 400) => new Promise((resolve) => setTimeout(resolve, ms));
