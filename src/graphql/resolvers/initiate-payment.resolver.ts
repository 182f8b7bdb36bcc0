import { Arg, Authorized, Ctx, Mutation, Resolver } from 'type-graphql';
import { CLIENT } from '../auth-checker';
import type { GatewayContext } from '../context';
import { toPayment, toUserErrors } from '../mappers';
import { InitiatePaymentInput, InitiatePaymentPayload } from '../types';

/** GraphQL nulls become absent fields: the domain does not distinguish them. */
const orUndefined = <T>(value: T | null | undefined): T | undefined => (value === null ? undefined : value);

@Resolver()
export class InitiatePaymentResolver {
  @Authorized(CLIENT)
  @Mutation(() => InitiatePaymentPayload, {
    description:
      'Starts a payment at Khalti. Send the buyer to paymentUrl; they come back to your returnUrl once the gateway has verified the ' +
      'payment. The same input again for a purchaseOrderId returns the same payment. A client key needs a checkoutToken ' +
      "signed by the merchant's backend for this purchaseOrderId and amount; server and admin keys do not.",
  })
  async initiatePayment(@Arg('input', () => InitiatePaymentInput) input: InitiatePaymentInput, @Ctx() { services, auth }: GatewayContext): Promise<InitiatePaymentPayload> {
    const customer = input.customerInfo;
    const outcome = await services.initiate.initiate({
      returnUrl: input.returnUrl,
      websiteUrl: input.websiteUrl,
      amount: input.amount,
      purchaseOrderId: input.purchaseOrderId,
      purchaseOrderName: input.purchaseOrderName,
      customerInfo: customer
        ? { name: orUndefined(customer.name), email: orUndefined(customer.email), phone: orUndefined(customer.phone) }
        : undefined,
      amountBreakdown: orUndefined(input.amountBreakdown)?.map(({ label, amount }) => ({ label, amount })),
      productDetails: orUndefined(input.productDetails)?.map(({ identity, name, totalPrice, quantity, unitPrice }) => ({ identity, name, totalPrice, quantity, unitPrice })),
      merchantExtra: orUndefined(input.merchantExtra)?.map(({ key, value }) => ({ key, value })),
      modes: orUndefined(input.modes),
      bank: orUndefined(input.bank),
      ttl: orUndefined(input.ttl),
    }, {
      // @Authorized has made sure there is a caller; the role decides whether a checkout token is needed.
      role: auth.caller!.role,
      checkoutToken: orUndefined(input.checkoutToken),
    });
    return Object.assign(new InitiatePaymentPayload(), {
      payment: outcome.payment ? toPayment(outcome.payment) : null,
      paymentUrl: outcome.payment?.paymentUrl ?? null,
      userErrors: toUserErrors(outcome.userErrors),
    });
  }
}
