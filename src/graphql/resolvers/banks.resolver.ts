import { Arg, Authorized, Ctx, Query, Resolver } from 'type-graphql';
import { CLIENT } from '../auth-checker';
import type { GatewayContext } from '../context';
import { toBank } from '../mappers';
import { Bank, BankPaymentType } from '../types';

@Resolver()
export class BanksResolver {
  @Authorized(CLIENT)
  @Query(() => [Bank], { description: 'Banks a buyer can pick for EBANKING or MOBILE_CHECKOUT; pass Bank.idx as initiatePayment\'s bank.' })
  async banks(@Arg('type', () => BankPaymentType) type: BankPaymentType, @Ctx() { services }: GatewayContext): Promise<Bank[]> {
    return (await services.banks.list(type)).map(toBank);
  }
}
