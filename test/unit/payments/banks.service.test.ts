import type { Bank, BankPaymentType } from '../../../src/khalti/khalti.types';
import { BANK_CACHE_MS, BanksService } from '../../../src/payments/banks.service';

const bank = (idx: string) => ({ idx, name: idx }) as Bank;

describe('BanksService', () => {
  let clock = 0;
  let calls: BankPaymentType[] = [];
  let next: () => Promise<Bank[]>;
  const service = new BanksService({ banks: (type) => (calls.push(type), next()) }, () => new Date(clock));

  beforeEach(() => {
    clock += 10 * BANK_CACHE_MS;
    calls = [];
    next = () => Promise.resolve([bank('a')]);
  });

  it('asks Khalti once per list while the cache is fresh, and again once it is stale', async () => {
    expect(await service.list('EBANKING')).toEqual([bank('a')]);
    clock += BANK_CACHE_MS - 1;
    await service.list('EBANKING');
    expect(calls).toEqual(['EBANKING']);
    await service.list('MOBILE_CHECKOUT');
    expect(calls).toEqual(['EBANKING', 'MOBILE_CHECKOUT']);
    clock += 1;
    await service.list('EBANKING');
    expect(calls).toEqual(['EBANKING', 'MOBILE_CHECKOUT', 'EBANKING']);
  });

  it('does not cache a failure: the next caller asks Khalti again', async () => {
    next = () => Promise.reject(new Error('Khalti down'));
    await expect(service.list('EBANKING')).rejects.toThrow('Khalti down');
    next = () => Promise.resolve([bank('b')]);
    expect(await service.list('EBANKING')).toEqual([bank('b')]);
    expect(calls).toEqual(['EBANKING', 'EBANKING']);
  });
});
