import type { PaymentServices } from '../payments/payment-services';
import type { ApiKeys, Authentication } from './api-keys';

/** Built the same way for HTTP requests and WebSocket connections. */
export interface GatewayContext {
  auth: Authentication;
  services: PaymentServices;
}

export function buildContext(apiKeys: ApiKeys, services: PaymentServices, authorization: unknown): GatewayContext {
  return { auth: apiKeys.authenticate(authorization), services };
}
