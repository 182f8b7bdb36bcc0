import type { AuthChecker } from 'type-graphql';
import type { GatewayContext } from './context';
import { gatewayError } from './errors';

/** Roles named in @Authorized(). ADMIN includes everything CLIENT may do. */
export const CLIENT = 'CLIENT';
export const ADMIN = 'ADMIN';

export const authChecker: AuthChecker<GatewayContext> = ({ context }, roles) => {
  const { auth } = context;
  if (!auth.caller) {
    throw gatewayError(
      'UNAUTHENTICATED',
      auth.problem === 'missing' ? 'Send an API key: Authorization: Bearer <key>.' : 'The API key is not valid.',
    );
  }
  if (roles.includes(ADMIN) && auth.caller.role !== 'admin') {
    throw gatewayError('FORBIDDEN', 'This needs an admin API key.');
  }
  return true;
};
