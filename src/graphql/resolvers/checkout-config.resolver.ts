import { Authorized, Ctx, Query, Resolver } from 'type-graphql';
import { CLIENT } from '../auth-checker';
import type { GatewayContext } from '../context';
import { CheckoutConfig } from '../types';

@Resolver()
export class CheckoutConfigResolver {
  @Authorized(CLIENT)
  @Query(() => CheckoutConfig, { description: "What Khalti's Android and Flutter SDKs need besides the pidx." })
  checkoutConfig(@Ctx() { services }: GatewayContext): CheckoutConfig {
    return Object.assign(new CheckoutConfig(), services.checkout);
  }
}
