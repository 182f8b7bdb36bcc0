import 'reflect-metadata';
import { GraphQLSchema } from 'graphql';
import { buildSchema, UseMiddleware } from 'type-graphql';
import { PaymentEvents } from '../payments/payment-events';
import { actorMiddleware } from './actor.middleware';
import { ERROR_CODE_ENUM } from './error-codes';
import { authChecker } from './auth-checker';
import { AuditLogResolver } from './resolvers/audit-log.resolver';
import { BanksResolver } from './resolvers/banks.resolver';
import { CheckoutConfigResolver } from './resolvers/checkout-config.resolver';
import { InitiatePaymentResolver } from './resolvers/initiate-payment.resolver';
import { PaymentStatusSubscriptionResolver } from './resolvers/payment-status.subscription';
import { PaymentResolver } from './resolvers/payment.resolver';
import { PaymentStatusCursorResolver } from './resolvers/payment-status-cursor.resolver';
import { RefundResolver } from './resolvers/refund.resolver';
import { TransactionStatusResolver } from './resolvers/transaction-status.resolver';
import { PersonalDataResolver } from './resolvers/personal-data.resolver';
import { WebhookEndpointsResolver } from './resolvers/webhook-endpoints.resolver';
import { WebhookDeliveriesResolver } from './resolvers/webhook-deliveries.resolver';

export const RESOLVERS = [
  PaymentResolver,
  PaymentStatusCursorResolver,
  InitiatePaymentResolver,
  RefundResolver,
  BanksResolver,
  TransactionStatusResolver,
  AuditLogResolver,
  CheckoutConfigResolver,
  PaymentStatusSubscriptionResolver,
  PersonalDataResolver,
  WebhookEndpointsResolver,
  WebhookDeliveriesResolver,
] as const;

/**
 * Every resolver method (queries, mutations, subscriptions, field resolvers) runs as its caller,
 * applied once, to the resolver classes. Not as a global middleware: type-graphql runs those on
 * every field, the plain ones included, which turns each scalar of a payment into an async
 * middleware chain and an AsyncLocalStorage scope; plain fields only read their parent object, so
 * nothing they do is audited.
 */
for (const resolver of RESOLVERS) UseMiddleware(actorMiddleware)(resolver);

export async function buildGatewaySchema(events: PaymentEvents = new PaymentEvents()): Promise<GraphQLSchema> {
  const schema = await buildSchema({
    resolvers: RESOLVERS,
    pubSub: events.pubsub,
    authChecker,
    // Validation happens in the services so that problems come back as userErrors.
    validate: false,
  });
  // The error codes are documented in the schema though no field returns them (error-codes.ts).
  const config = schema.toConfig();
  return new GraphQLSchema({ ...config, types: [...config.types, ERROR_CODE_ENUM] });
}
