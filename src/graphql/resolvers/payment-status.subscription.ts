import { Arg, Authorized, ID, Resolver, Root, Subscription } from 'type-graphql';
import type { PaymentStatusChangeEvent } from '../../payments/payment-events';
import { CLIENT } from '../auth-checker';
import type { GatewayContext } from '../context';
import { gatewayError } from '../errors';
import { toStatusChange } from '../mappers';
import { PaymentStatusChange } from '../types';

@Resolver()
export class PaymentStatusSubscriptionResolver {
  @Authorized(CLIENT)
  @Subscription(() => PaymentStatusChange, {
    description: 'Each status change of one payment, once, from whichever source observed it first.',
    subscribe: async ({ args, context }) => {
      const { services } = context as GatewayContext;
      const pidx = (args as { pidx: string }).pidx;
      if (!(await services.state.get(pidx))) throw gatewayError('BAD_USER_INPUT', 'pidx: no payment with this pidx was initiated through this gateway.');
      return services.events.subscribe(pidx);
    },
  })
  paymentStatusChanged(@Arg('pidx', () => ID) _pidx: string, @Root() event: PaymentStatusChangeEvent): PaymentStatusChange {
    return toStatusChange(event);
  }
}
