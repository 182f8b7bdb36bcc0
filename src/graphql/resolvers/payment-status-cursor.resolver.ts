import { Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import type { GatewayContext } from '../context';
import { encodeStatusChangeCursor } from '../status-change-cursor';
import { Payment } from '../types';

/**
 * Payment.statusCursor: where a subscriber that starts now, having read the payment, picks up the
 * change log, so that nothing happening between its read and its subscription is missed.
 */
@Resolver(() => Payment)
export class PaymentStatusCursorResolver {
  @FieldResolver(() => String, {
    description:
      'The cursor of the status change that set `status` as read here. Subscribe to paymentStatusChanged with ' +
      '`after: statusCursor` to receive every change after it, then live ones: nothing that happens between this read and ' +
      'the subscription is missed (a change made meanwhile may arrive although this read already shows it).',
  })
  async statusCursor(@Root() payment: Payment, @Ctx() { loaders }: GatewayContext): Promise<string> {
    const auditId = await loaders.statusCursor.load({ pidx: payment.pidx, status: payment.status });
    // Every payment's initiation is recorded as its first change, in the unit that stores it.
    if (auditId === null) throw new Error(`payment ${payment.pidx} has no status change in the log`);
    return encodeStatusChangeCursor(auditId);
  }
}
