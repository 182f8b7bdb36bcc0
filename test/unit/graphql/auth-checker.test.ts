import type { ResolverData } from 'type-graphql';
import type { Caller } from '../../../src/graphql/api-keys';
import { ADMIN, authChecker, CLIENT, SERVER } from '../../../src/graphql/auth-checker';
import type { GatewayContext } from '../../../src/graphql/context';

/** What authChecker decides for a caller of `role` on @Authorized(...roles): 'ok' or the error code. */
function decide(role: Caller['role'] | null, roles: string[]): string {
  const context = { auth: role ? { caller: { role, keyId: 'key_x' } } : { caller: null, problem: 'missing' }, services: {} } as GatewayContext;
  try {
    return authChecker({ context } as ResolverData<GatewayContext>, roles) ? 'ok' : 'refused';
  } catch (error) {
    return String((error as { extensions?: { code?: unknown } }).extensions?.code);
  }
}

describe('authChecker: ranked roles', () => {
  it.each([
    ['client', CLIENT, 'ok'],
    ['client', SERVER, 'FORBIDDEN'],
    ['client', ADMIN, 'FORBIDDEN'],
    ['server', CLIENT, 'ok'],
    ['server', SERVER, 'ok'],
    ['server', ADMIN, 'FORBIDDEN'],
    ['admin', CLIENT, 'ok'],
    ['admin', SERVER, 'ok'],
    ['admin', ADMIN, 'ok'],
    [null, CLIENT, 'UNAUTHENTICATED'],
  ] as const)('%s key on @Authorized(%s): %s', (role, required, outcome) => {
    expect(decide(role, [required])).toBe(outcome);
  });

  it('any listed role will do', () => {
    expect(decide('server', [ADMIN, SERVER])).toBe('ok');
    expect(decide('client', [ADMIN, SERVER])).toBe('FORBIDDEN');
  });
});
