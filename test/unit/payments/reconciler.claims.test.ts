/**
 * The reconciler's share of the backlog: due payments are claimed (their next lookup moved to a
 * lease) a few at a time, so concurrent passes, in one process or several, never take the same
 * payment, a pass keeps RECONCILE_CONCURRENCY lookups in flight, and one pass gets through 500.
 * On the suite's engine (SQLite, or PostgreSQL with TEST_DATABASE=postgres: FOR UPDATE SKIP LOCKED).
 */
import type { LookupResult } from '../../../src/khalti/khalti.types';
import { createDomain, type Domain } from './support/domain';

describe('Reconciler claims', () => {
  let domain: Domain;
  afterEach(() => domain.close());

  const duePayments = async (n: number): Promise<string[]> => {
    const pidxs: string[] = [];
    for (let i = 0; i < n; i++) pidxs.push((await domain.initiated({ nextLookupAt: new Date(domain.clock.now.getTime() - 1000) })).pidx);
    return pidxs;
  };

  it('gives each due payment to one of two concurrent claims, and none to a claim after them', async () => {
    domain = await createDomain();
    const pidxs = await duePayments(20);
    const lease = new Date(domain.clock.now.getTime() + 60_000);
    const claim = () => domain.database.transaction((tx) => tx.payments.claimDueForLookup(domain.clock.now, 12, lease));
    const [a, b] = await Promise.all([claim(), claim()]);
    const taken = [...a, ...b].map((payment) => payment.pidx);
    expect(new Set(taken).size).toBe(taken.length);
    expect(taken.sort()).toEqual([...pidxs].sort());
    expect(a.every((payment) => payment.nextLookupAt?.getTime() === lease.getTime())).toBe(true);
    expect(await claim()).toEqual([]);
  });

  it('keeps RECONCILE_CONCURRENCY lookups in flight and gets through 500 due payments in one pass', async () => {
    domain = await createDomain({ concurrency: 4 });
    await duePayments(500);
    let inFlight = 0;
    let most = 0;
    const lookup = domain.khalti.lookup.bind(domain.khalti);
    domain.khalti.lookup = async (pidx: string): Promise<LookupResult> => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      try {
        await new Promise((resolve) => setImmediate(resolve));
        return await lookup(pidx);
      } finally {
        inFlight -= 1;
      }
    };
    await domain.reconciler.runOnce();
    expect(domain.khalti.lookups).toHaveLength(500);
    expect(new Set(domain.khalti.lookups).size).toBe(500);
    expect(most).toBe(4);
  }, 60_000);

  it('lets two reconcilers on one database share the backlog without looking a payment up twice', async () => {
    domain = await createDomain({ concurrency: 3 });
    await duePayments(30);
    const second = domain.secondReconciler({ concurrency: 3 });
    await Promise.all([domain.reconciler.runOnce(), second.runOnce()]);
    expect(domain.khalti.lookups).toHaveLength(30);
    expect(new Set(domain.khalti.lookups).size).toBe(30);
  });
});
