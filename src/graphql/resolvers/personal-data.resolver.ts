import { DateTimeResolver } from 'graphql-scalars';
import { Arg, Authorized, Ctx, FieldResolver, ID, Mutation, Resolver, Root } from 'type-graphql';
import { ADMIN } from '../auth-checker';
import type { GatewayContext } from '../context';
import { toPayment } from '../mappers';
import { Payment } from '../types';

/** erasePersonalData and Payment.personalDataErasedAt: thin over PersonalDataService. */
@Resolver(() => Payment)
export class PersonalDataResolver {
  @Authorized(ADMIN)
  @Mutation(() => Payment, {
    nullable: true,
    description:
      "Removes the buyer's personal data (customerInfo name, email and phone, and the mobile of its refunds) from the " +
      'payment for good, and records an audit row saying so (audit rows never held the data). Admin only. Null for a ' +
      'pidx this gateway never initiated. Repeating it is harmless: with nothing new to erase it changes nothing. A ' +
      'repeated initiatePayment with the same purchaseOrderId is DUPLICATE_PURCHASE_ORDER afterwards, since the gateway ' +
      'can no longer tell whether the request is the same.',
  })
  async erasePersonalData(@Arg('pidx', () => ID) pidx: string, @Ctx() { services }: GatewayContext): Promise<Payment | null> {
    const row = await services.personalData.erase(pidx);
    return row ? toPayment(row) : null;
  }

  @FieldResolver(() => DateTimeResolver, {
    nullable: true,
    description: "When erasePersonalData removed the buyer's personal data from this payment; null if it has not.",
  })
  personalDataErasedAt(@Root() payment: Payment, @Ctx() { services }: GatewayContext): Promise<Date | null> {
    return services.personalData.erasedAt(payment.pidx);
  }
}
