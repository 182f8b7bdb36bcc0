import { listenAddress } from '../../../src/http/listen-address';

describe('listenAddress', () => {
  it('names all interfaces for a wildcard address, with a loopback URL to reach it', () => {
    expect(listenAddress({ address: '0.0.0.0', family: 'IPv4', port: 4000 })).toEqual({ url: 'http://127.0.0.1:4000', description: 'http://0.0.0.0:4000 (all interfaces)' });
    expect(listenAddress({ address: '::', family: 'IPv6', port: 4000 })).toEqual({ url: 'http://[::1]:4000', description: 'http://[::]:4000 (all interfaces)' });
  });

  it('names a specific address as it is', () => {
    expect(listenAddress({ address: '127.0.0.1', family: 'IPv4', port: 4001 })).toEqual({ url: 'http://127.0.0.1:4001', description: 'http://127.0.0.1:4001' });
    expect(listenAddress({ address: '::1', family: 'IPv6', port: 4002 })).toEqual({ url: 'http://[::1]:4002', description: 'http://[::1]:4002' });
  });
});
