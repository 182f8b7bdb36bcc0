import type { PaymentServices } from '../payments/payment-services';
import type { ApiKeys, Authentication } from './api-keys';
import { createLoaders, type GatewayLoaders } from './loaders';

/** Built the same way for HTTP requests and WebSocket connections. */
export interface GatewayContext {
  auth: Authentication;
  services: PaymentServices;
  loaders: GatewayLoaders;
  /** The client's address (TRUSTED_PROXIES rules): client-key rate limits count per key and address. */
  clientAddress?: string;
}

/** `authorization`: the header value (WebSocket: connectionParams), or what ApiKeys.ofRequest found. */
export function buildContext(apiKeys: ApiKeys, services: PaymentServices, authorization: unknown, clientAddress?: string): GatewayContext {
  return contextFor(apiKeys.authenticate(authorization), services, clientAddress);
}

export function contextFor(auth: Authentication, services: PaymentServices, clientAddress?: string): GatewayContext {
  return { auth, services, loaders: createLoaders(services), clientAddress };
}
