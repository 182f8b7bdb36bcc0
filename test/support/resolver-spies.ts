/** Spies on every service method a resolver could call, so tests can prove none ran. */
import type { TestGateway } from './gateway';

/** Counts every call a resolver could make into the services (and reads of checkoutConfig). */
export function watchResolvers(gateway: TestGateway) {
  const services = gateway.app.services;
  const spies = [
    jest.spyOn(services.initiate, 'initiate'),
    jest.spyOn(services.state, 'get'),
    jest.spyOn(services.state, 'refresh'),
    jest.spyOn(services.queries, 'page'),
    jest.spyOn(services.refunds, 'refund'),
    jest.spyOn(services.refunds, 'forPayment'),
    jest.spyOn(services.audit, 'page'),
    jest.spyOn(services.audit, 'forPayment'),
    jest.spyOn(services.banks, 'list'),
    jest.spyOn(services.legacyStatus, 'transactionStatus'),
    jest.spyOn(services.events, 'subscribe'),
  ];
  const checkout = services.checkout;
  let checkoutReads = 0;
  Object.defineProperty(services, 'checkout', {
    configurable: true,
    enumerable: true,
    get: () => {
      checkoutReads += 1;
      return checkout;
    },
  });
  return {
    calls: () => spies.reduce((total, spy) => total + spy.mock.calls.length, 0) + checkoutReads,
    restore() {
      spies.forEach((spy) => spy.mockRestore());
      Object.defineProperty(services, 'checkout', { configurable: true, enumerable: true, writable: true, value: checkout });
    },
  };
}
