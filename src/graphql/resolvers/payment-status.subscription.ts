import { Arg, Authorized, ID, Resolver, Root, Subscription } from 'type-graphql';
import type { PaymentStatusChangeEvent } from '../../payments/payment-events';
import { CLIENT } from '../auth-checker';
import type { GatewayContext } from '../context';
import { gatewayError } from '../errors';
import { toStatusChange } from '../mappers';
import { decodeStatusChangeCursor } from '../status-change-cursor';
import { PaymentStatusChange } from '../types';

@Resolver()
export class PaymentStatusSubscriptionResolver {
  @Authorized(CLIENT)
  @Subscription(() => PaymentStatusChange, {
    description:
      'Each status change of one payment, once, from whichever source observed it first. With `after` (a PaymentStatusChange.cursor of ' +
      'this payment), first every change recorded after that one, in order, then live ones: resubscribe with the last cursor received ' +
      'and nothing is missed or repeated.',
    subscribe: async ({ args, context }) => {
      const { services } = context as GatewayContext;
      const { pidx, after } = args as { pidx: string; after?: string | null };
      // The cursor is checked before the payment, so a bad one is named whatever the pidx.
      const afterId = after === undefined || after === null ? null : decodeStatusChangeCursor(after);
      if (!(await services.state.get(pidx))) throw gatewayError('BAD_USER_INPUT', 'pidx: no payment with this pidx was initiated through this gateway.');
      if (afterId !== null && !(await services.statusChanges.isChangeOf(pidx, afterId))) {
        throw gatewayError('BAD_USER_INPUT', "after: not a cursor of this payment's status changes.");
      }
      return services.statusChanges.subscribe(pidx, afterId);
    },
  })
  paymentStatusChanged(
    @Arg('pidx', () => ID) _pidx: string,
    @Arg('after', () => String, { nullable: true, description: 'A PaymentStatusChange.cursor of this payment: replay every change after it first.' })
    _after: string | null,
    @Root() event: PaymentStatusChangeEvent,
  ): PaymentStatusChange {
    return toStatusChange(event);
  }
}
