import type { AuthCheckerFn } from 'type-graphql';
import type { Role } from './api-keys';
import type { GatewayContext } from './context';
import { gatewayError } from './errors';

/**
 * Roles named in @Authorized() (DESIGN section 3). They are ranked: SERVER may do everything
 * CLIENT may, ADMIN everything. @Authorized(X) admits X and every role above it.
 */
export const CLIENT = 'CLIENT';
export const SERVER = 'SERVER';
export const ADMIN = 'ADMIN';

const RANK: Record<string, number> = { [CLIENT]: 0, [SERVER]: 1, [ADMIN]: 2 };
const RANK_OF_ROLE: Record<Role, number> = { client: 0, server: 1, admin: 2 };
const NEEDS: Record<string, string> = { [SERVER]: 'a server or admin API key', [ADMIN]: 'an admin API key' };

export const authChecker: AuthCheckerFn<GatewayContext> = ({ context }, roles) => {
  const { auth } = context;
  if (!auth.caller) {
    throw gatewayError(
      'UNAUTHENTICATED',
      auth.problem === 'missing' ? 'Send an API key: Authorization: Bearer <key>.' : 'The API key is not valid.',
    );
  }
  // Several roles listed: any of them will do, so the lowest one decides.
  const required = roles.length ? roles.reduce((lowest, role) => (RANK[role]! < RANK[lowest]! ? role : lowest)) : CLIENT;
  if (RANK[required] === undefined) throw new Error(`unknown role in @Authorized: ${required}`);
  if (RANK_OF_ROLE[auth.caller.role] < RANK[required]!) throw gatewayError('FORBIDDEN', `This needs ${NEEDS[required]}.`);
  return true;
};
