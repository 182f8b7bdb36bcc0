import { ApiKeys, keyIdOf } from '../../../src/graphql/api-keys';

const admin = 'admin-key-0123456789abcdef';
const client = 'client-key-0123456789abcdef';
const keys = new ApiKeys({ admin: [admin], client: [client] });

describe('ApiKeys', () => {
  it('knows callers by role and by a key id that does not reveal the key', () => {
    expect(keys.authenticate(`Bearer ${admin}`)).toEqual({ caller: { role: 'admin', keyId: keyIdOf(admin) } });
    expect(keys.authenticate(`bearer ${client}`)).toEqual({ caller: { role: 'client', keyId: keyIdOf(client) } });
    expect(keyIdOf(admin)).not.toContain(admin.slice(0, 8));
    expect(keyIdOf(admin)).not.toBe(keyIdOf(client));
  });

  it('tells a missing key from an invalid one', () => {
    expect(keys.authenticate(undefined)).toEqual({ caller: null, problem: 'missing' });
    expect(keys.authenticate('')).toEqual({ caller: null, problem: 'missing' });
    expect(keys.authenticate(admin)).toEqual({ caller: null, problem: 'invalid' });
    expect(keys.authenticate('Bearer nope-nope-nope-nope')).toEqual({ caller: null, problem: 'invalid' });
    expect(keys.authenticate(`Key ${admin}`)).toEqual({ caller: null, problem: 'invalid' });
  });
});

describe('ApiKeys.ofRequest', () => {
  it("answers as authenticate does for the request's header, once per request", () => {
    const first = { headers: { authorization: `Bearer ${client}` } };
    const second = { headers: { authorization: 'Bearer nope-nope-nope-nope' } };
    expect(keys.ofRequest(first)).toEqual({ caller: { role: 'client', keyId: keyIdOf(client) } });
    expect(keys.ofRequest(second)).toEqual({ caller: null, problem: 'invalid' });
    expect(keys.ofRequest({ headers: {} })).toEqual({ caller: null, problem: 'missing' });
    const authenticate = jest.spyOn(keys, 'authenticate');
    try {
      expect(keys.ofRequest(first)).toBe(keys.ofRequest(first));
      expect(authenticate).not.toHaveBeenCalled();
      keys.ofRequest({ headers: { authorization: `Bearer ${admin}` } });
      expect(authenticate).toHaveBeenCalledTimes(1);
    } finally {
      authenticate.mockRestore();
    }
  });
});

describe('ApiKeys: the server role', () => {
  const server = 'server-key-0123456789abcdef';
  const withServer = new ApiKeys({ admin: [admin], client: [client], server: [server] });

  it('knows a server key by its role', () => {
    expect(withServer.authenticate(`Bearer ${server}`)).toEqual({ caller: { role: 'server', keyId: keyIdOf(server) } });
    expect(withServer.authenticate(`Bearer ${client}`)).toEqual({ caller: { role: 'client', keyId: keyIdOf(client) } });
  });
});
