import { Arg, Authorized, Ctx, Mutation, Resolver } from 'type-graphql';
import { ADMIN } from '../auth-checker';
import type { GatewayContext } from '../context';
import { toPayment, toRefund, toUserErrors } from '../mappers';
import { RefundInput, RefundPayload } from '../types';

@Resolver()
export class RefundResolver {
  @Authorized(ADMIN)
  @Mutation(() => RefundPayload, {
    description:
      'Refunds a completed payment, in full (no amount: everything left) or in part. Admin only. Recorded before Khalti is called; ' +
      'if Khalti\'s answer is lost the refund is UNKNOWN until a lookup settles it, and it is never sent twice.',
  })
  async refund(@Arg('input', () => RefundInput) input: RefundInput, @Ctx() { auth, services }: GatewayContext): Promise<RefundPayload> {
    const outcome = await services.refunds.refund(
      {
        pidx: input.pidx,
        amount: input.amount ?? undefined,
        mobile: input.mobile ?? undefined,
        idempotencyKey: input.idempotencyKey ?? undefined,
      },
      auth.caller?.keyId ?? null,
    );
    return Object.assign(new RefundPayload(), {
      refund: outcome.refund ? toRefund(outcome.refund) : null,
      payment: outcome.payment ? toPayment(outcome.payment) : null,
      userErrors: toUserErrors(outcome.userErrors),
    });
  }
}
