import { Arg, Authorized, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { KhaltiNotFoundError, KhaltiUnavailableError } from '../../khalti/khalti.errors';
import { needsLookup } from '../../payments/status.rules';
import { ADMIN, CLIENT } from '../auth-checker';
import type { GatewayContext } from '../context';
import { toAuditEntry, toPayment, toRefund } from '../mappers';
import { decodeCursor, encodeCursor, pageSize, toConnection } from '../pagination';
import { AuditEntry, Payment, PaymentConnection, PaymentEdge, PaymentStatus, Refund } from '../types';

interface PaymentCursor {
  c: number;
  p: string;
}
const isPaymentCursor = (value: unknown): value is PaymentCursor =>
  typeof value === 'object' && value !== null && typeof (value as PaymentCursor).c === 'number' && typeof (value as PaymentCursor).p === 'string';

@Resolver(() => Payment)
export class PaymentResolver {
  @Authorized(CLIENT)
  @Query(() => Payment, {
    nullable: true,
    description:
      'A payment this gateway initiated; null for any other pidx (and then Khalti is not asked). While the status is not final ' +
      'it is refreshed from Khalti\'s lookup first; if Khalti cannot answer (unavailable, or it no longer finds the pidx), the stored record is returned.',
  })
  async payment(@Arg('pidx', () => ID) pidx: string, @Ctx() { services }: GatewayContext): Promise<Payment | null> {
    const row = await services.state.get(pidx);
    if (!row) return null;
    if (!needsLookup(row)) return toPayment(row);
    try {
      const outcome = await services.state.refresh(pidx, 'LOOKUP');
      return toPayment(outcome?.payment ?? row);
    } catch (error) {
      // A read must not fail because Khalti cannot answer: down, or saying "Not found." for a pidx it
      // handed out (another environment's keys, or a record it has purged). The stored (non-final, so
      // never "paid") record is still true; verifyPayment, which asks for Khalti's word, reports the error.
      if (error instanceof KhaltiUnavailableError || error instanceof KhaltiNotFoundError) return toPayment((await services.state.get(pidx)) ?? row);
      throw error;
    }
  }

  @Authorized(CLIENT)
  @Mutation(() => Payment, {
    nullable: true,
    description: 'Looks the payment up at Khalti now and records what it says. Null for a pidx this gateway never initiated.',
  })
  async verifyPayment(@Arg('pidx', () => ID) pidx: string, @Ctx() { services }: GatewayContext): Promise<Payment | null> {
    const outcome = await services.state.refresh(pidx, 'LOOKUP');
    return outcome ? toPayment(outcome.payment) : null;
  }

  @Authorized(ADMIN)
  @Query(() => PaymentConnection, { description: 'Payments, newest first. Admin only.' })
  async payments(
    @Arg('after', () => String, { nullable: true, description: 'endCursor of the previous page.' }) after: string | null,
    @Arg('first', () => Int, { nullable: true, description: 'Page size, 1 to 100 (default 20).' }) first: number | null,
    @Arg('status', () => PaymentStatus, { nullable: true, description: 'Only payments in this status.' }) status: PaymentStatus | null,
    @Ctx() { services }: GatewayContext,
  ): Promise<PaymentConnection> {
    const size = pageSize(first);
    const cursor = after ? decodeCursor(after, isPaymentCursor) : undefined;
    const page = await services.queries.page({
      status: status ?? undefined,
      first: size,
      after: cursor ? { createdAt: new Date(cursor.c), pidx: cursor.p } : undefined,
    });
    return toConnection(PaymentConnection, page, after, (row) =>
      Object.assign(new PaymentEdge(), { cursor: encodeCursor({ c: row.createdAt.getTime(), p: row.pidx }), node: toPayment(row) }),
    );
  }

  @Authorized(ADMIN)
  @FieldResolver(() => [Refund])
  async refunds(@Root() payment: Payment, @Ctx() { loaders }: GatewayContext): Promise<Refund[]> {
    return (await loaders.refunds.load(payment.pidx)).map(toRefund);
  }

  @Authorized(ADMIN)
  @FieldResolver(() => [AuditEntry])
  async auditLog(@Root() payment: Payment, @Ctx() { loaders }: GatewayContext): Promise<AuditEntry[]> {
    return (await loaders.auditLog.load(payment.pidx)).map(toAuditEntry);
  }
}
