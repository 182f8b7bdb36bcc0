import type { MiddlewareFn } from 'type-graphql';
import { runAs } from '../payments/actor.context';
import type { GatewayContext } from './context';

/** Every resolver runs as its caller, so upstream calls it causes are audited under the caller's key id. */
export const actorMiddleware: MiddlewareFn<GatewayContext> = ({ context }, next) => {
  const keyId = context.auth.caller?.keyId;
  return keyId ? runAs(keyId, next) : next();
};
