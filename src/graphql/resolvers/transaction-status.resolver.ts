import { Arg, Authorized, Ctx, Int, Query, Resolver } from 'type-graphql';
import { CLIENT } from '../auth-checker';
import type { GatewayContext } from '../context';
import { gatewayError } from '../errors';
import { TransactionStatus } from '../types';

@Resolver()
export class TransactionStatusResolver {
  @Authorized(CLIENT)
  @Query(() => TransactionStatus, {
    description: "Legacy (KPG-1) status of a transaction by its token and amount, as Khalti reports it. It changes nothing here.",
  })
  async transactionStatus(
    @Arg('amount', () => Int, { description: 'Amount in paisa the transaction was made for.' }) amount: number,
    @Arg('token', () => String, { description: 'The token (idx) Khalti gave for the transaction.' }) token: string,
    @Ctx() { services }: GatewayContext,
  ): Promise<TransactionStatus> {
    if (!token.trim()) throw gatewayError('BAD_USER_INPUT', 'token may not be blank.');
    if (amount <= 0) throw gatewayError('BAD_USER_INPUT', 'amount must be a positive number of paisa.');
    const result = await services.legacyStatus.transactionStatus(token.trim(), amount);
    return Object.assign(new TransactionStatus(), result);
  }
}
