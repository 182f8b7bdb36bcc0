/**
 * The bank lists change rarely and Khalti serves them without authorization; a short cache keeps
 * a busy checkout page from asking Khalti on every render.
 */
import type { KhaltiClient } from '../khalti/khalti.client';
import type { Bank, BankPaymentType } from '../khalti/khalti.types';

export const BANK_CACHE_MS = 5 * 60 * 1000;

export class BanksService {
  private readonly cache = new Map<BankPaymentType, { at: number; banks: Promise<Bank[]> }>();

  constructor(
    private readonly khalti: Pick<KhaltiClient, 'banks'>,
    private readonly now: () => Date = () => new Date(),
  ) {}

  list(type: BankPaymentType): Promise<Bank[]> {
    const now = this.now().getTime();
    const cached = this.cache.get(type);
    if (cached && now - cached.at < BANK_CACHE_MS) return cached.banks;
    const banks = this.khalti.banks(type);
    this.cache.set(type, { at: now, banks });
    // A failed fetch is not cached: the next caller asks Khalti again.
    banks.catch(() => {
      if (this.cache.get(type)?.banks === banks) this.cache.delete(type);
    });
    return banks;
  }
}
