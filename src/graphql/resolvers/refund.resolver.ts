import { Arg, Authorized, Ctx, Mutation, Resolver } from 'type-graphql';
import { ADMIN } from '../auth-checker';
import type { GatewayContext } from '../context';
import { toPayment, toRefund, toUserErrors } from '../mappers';
import type { RefundOutcome } from '../../payments/refund.service';
import { RefundInput, RefundPayload, ResolveRefundInput } from '../types';

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
    return toRefundPayload(outcome);
  }

  @Authorized(ADMIN)
  @Mutation(() => RefundPayload, {
    description:
      'Settles a refund whose outcome is UNKNOWN (Khalti\'s answer was lost and no lookup has shown it applied) once you have ' +
      'checked the Khalti dashboard: SUCCEEDED counts it as refunded, FAILED frees the balance. Admin only; audited with your ' +
      'key id and note. Any other refund is INVALID_VALUE.',
  })
  async resolveRefund(@Arg('input', () => ResolveRefundInput) input: ResolveRefundInput, @Ctx() { services }: GatewayContext): Promise<RefundPayload> {
    return toRefundPayload(await services.refunds.resolve({ refundId: input.refundId, state: input.state, note: input.note }));
  }
}

function toRefundPayload(outcome: RefundOutcome): RefundPayload {
  return Object.assign(new RefundPayload(), {
    refund: outcome.refund ? toRefund(outcome.refund) : null,
    payment: outcome.payment ? toPayment(outcome.payment) : null,
    userErrors: toUserErrors(outcome.userErrors),
  });
}
