/**
 * RefundService with a fake Khalti client: an UNKNOWN refund is never concluded FAILED from a
 * lookup, blocks further refunds until proof or an admin settles it, and `paid` turns false as soon
 * as anything was refunded, whatever Khalti's status says yet.
 */
import { KhaltiRejectedError, KhaltiUnavailableError } from '../../../src/khalti/khalti.errors';
import { runAs } from '../../../src/payments/actor.context';
import { isPaid } from '../../../src/payments/status.rules';
import { createDomain, story, unavailable, type Domain } from './support/domain';

const DAY = 24 * 60 * 60 * 1000;

describe('RefundService', () => {
  let domain: Domain;
  beforeEach(async () => {
    domain = await createDomain();
  });
  afterEach(() => domain.close());

  const paidNow = async (pidx: string) => {
    const row = (await domain.state.get(pidx))!;
    return isPaid({ ...row, status: row.status as 'COMPLETED' });
  };

  it("makes paid false as soon as a refund succeeded, though the lookup after it fails and Khalti's status still says Completed", async () => {
    const payment = await domain.completed();
    expect((await paidNow(payment.pidx))).toBe(true);
    domain.khalti.thenLookup(unavailable());
    const outcome = await domain.refunds.refund({ pidx: payment.pidx, amount: 300 }, 'key_admin');
    expect(outcome.refund).toMatchObject({ state: 'SUCCEEDED', amount: 300 });
    // The record never claims a status Khalti has not reported...
    expect((await domain.state.get(payment.pidx))).toMatchObject({ status: 'COMPLETED', refundedAmount: 300 });
    // ...and it is not "paid" any more.
    expect((await paidNow(payment.pidx))).toBe(false);
  });

  it('keeps a refund whose answer was lost UNKNOWN, however long Khalti says "not refunded", and never resends it', async () => {
    const payment = await domain.completed();
    domain.khalti.thenRefund(unavailable('refund'));
    const lost = await domain.refunds.refund({ pidx: payment.pidx, amount: 300 }, 'key_admin');
    expect(lost.refund?.state).toBe('UNKNOWN');
    for (let day = 0; day < 5; day += 1) {
      domain.clock.advance(DAY);
      await domain.refunds.settle(lost.refund!.id);
    }
    expect((await domain.refunds.forPayment(payment.pidx)).map((refund) => refund.state)).toEqual(['UNKNOWN']);
    expect(domain.khalti.refunds).toHaveLength(1);
    expect((await domain.state.get(payment.pidx))!.refundedAmount).toBe(0);
    // Five looks, but no audit row per look: only the request and the unknown outcome.
    expect((await story(domain, payment.pidx)).filter((entry) => entry.line.startsWith('refund:')).map((entry) => entry.line)).toEqual([
      'refund:refund_requested',
      'refund:refund_outcome_unknown',
    ]);
  });

  it('fails a refund refused before anything reached Khalti, frees its balance and its idempotency key', async () => {
    const payment = await domain.completed();
    const notSent = new KhaltiUnavailableError('refund', 'pool_exhausted', 'no connection to Khalti free within 1000 ms; nothing was sent', undefined, undefined, {
      nothingSent: true,
    });
    domain.khalti.thenRefund(notSent);
    await expect(domain.refunds.refund({ pidx: payment.pidx, amount: 500, idempotencyKey: 'key-1' }, 'admin')).rejects.toBe(notSent);
    const [failed] = await domain.refunds.forPayment(payment.pidx);
    expect(failed).toMatchObject({ state: 'FAILED', idempotencyKey: null });
    expect((await domain.state.get(payment.pidx))!.refundedAmount).toBe(0);

    // The same request again is a new attempt, and Khalti is asked once more.
    const again = await domain.refunds.refund({ pidx: payment.pidx, amount: 500, idempotencyKey: 'key-1' }, 'admin');
    expect(again.userErrors).toEqual([]);
    expect(again.refund).toMatchObject({ state: 'SUCCEEDED', amount: 500, idempotencyKey: 'key-1' });
    expect(domain.khalti.refunds).toHaveLength(2);
  });

  it('refuses another refund of the payment while one is UNKNOWN (REFUND_OUTCOME_UNKNOWN), without calling Khalti', async () => {
    const payment = await domain.completed();
    domain.khalti.thenRefund(unavailable('refund'));
    await domain.refunds.refund({ pidx: payment.pidx, amount: 300 }, 'key_admin');
    const again = await domain.refunds.refund({ pidx: payment.pidx, amount: 100 }, 'key_admin');
    expect(again.userErrors).toEqual([expect.objectContaining({ code: 'REFUND_OUTCOME_UNKNOWN', field: ['input', 'pidx'] })]);
    expect(again.refund).toBeNull();
    expect(domain.khalti.refunds).toHaveLength(1);
  });

  it('settles an UNKNOWN refund SUCCEEDED once a lookup shows the payment refunded', async () => {
    const payment = await domain.completed();
    domain.khalti.thenRefund(unavailable('refund'));
    domain.khalti.thenLookup(unavailable());
    const lost = await domain.refunds.refund({ pidx: payment.pidx, amount: 300 }, 'key_admin');
    domain.khalti.says(payment.pidx, 'PARTIALLY_REFUNDED', { transactionId: payment.transactionId, refunded: true });
    const settled = await domain.refunds.settle(lost.refund!.id);
    expect(settled).toMatchObject({ state: 'SUCCEEDED', amount: 300 });
    expect((await domain.state.get(payment.pidx))).toMatchObject({ status: 'PARTIALLY_REFUNDED', refundedAmount: 300 });
  });

  it("lets an admin resolve an UNKNOWN refund FAILED (freeing the balance), audited with the admin's key id and note", async () => {
    const payment = await domain.completed();
    domain.khalti.thenRefund(unavailable('refund'));
    const lost = await domain.refunds.refund({ pidx: payment.pidx, amount: 300 }, 'key_admin');
    const resolved = await runAs('key_0123456789ab', () => domain.refunds.resolve({ refundId: lost.refund!.id, state: 'FAILED', note: 'Not on the dashboard' }));
    expect(resolved.userErrors).toEqual([]);
    expect(resolved.refund).toMatchObject({ state: 'FAILED' });
    expect((await story(domain, payment.pidx)).at(-1)).toMatchObject({
      line: 'refund:refund_resolved',
      actor: 'key_0123456789ab',
      detail: { refundId: lost.refund!.id, state: 'FAILED', note: 'Not on the dashboard' },
    });
    const again = await domain.refunds.refund({ pidx: payment.pidx, amount: 300 }, 'key_admin');
    expect(again.refund).toMatchObject({ state: 'SUCCEEDED' });
  });

  it('lets an admin resolve an UNKNOWN refund SUCCEEDED, counting it as refunded', async () => {
    const payment = await domain.completed();
    domain.khalti.thenRefund(unavailable('refund'));
    const lost = await domain.refunds.refund({ pidx: payment.pidx, amount: 300 }, 'key_admin');
    const resolved = await domain.refunds.resolve({ refundId: lost.refund!.id, state: 'SUCCEEDED', note: 'On the dashboard' });
    expect(resolved.refund).toMatchObject({ state: 'SUCCEEDED', amount: 300 });
    expect((await domain.state.get(payment.pidx))!.refundedAmount).toBe(300);
    expect((await paidNow(payment.pidx))).toBe(false);
  });

  it('resolves only UNKNOWN refunds, with a state of SUCCEEDED or FAILED and a note', async () => {
    const payment = await domain.completed();
    const done = await domain.refunds.refund({ pidx: payment.pidx, amount: 300 }, 'key_admin');
    const cases = [
      [{ refundId: done.refund!.id, state: 'FAILED', note: 'x' }, ['input', 'refundId'], 'INVALID_VALUE'],
      [{ refundId: 'no-such-refund', state: 'FAILED', note: 'x' }, ['input', 'refundId'], 'INVALID_VALUE'],
      [{ refundId: done.refund!.id, state: 'UNKNOWN', note: 'x' }, ['input', 'state'], 'INVALID_VALUE'],
      [{ refundId: done.refund!.id, state: 'SUCCEEDED', note: '  ' }, ['input', 'note'], 'BLANK'],
      [{ refundId: done.refund!.id, state: 'SUCCEEDED', note: 'n'.repeat(1001) }, ['input', 'note'], 'INVALID_VALUE'],
    ] as const;
    for (const [command, field, code] of cases) {
      const outcome = await domain.refunds.resolve(command);
      expect(outcome.userErrors).toEqual([expect.objectContaining({ field, code })]);
    }
    expect((await domain.refunds.forPayment(payment.pidx)).map((refund) => refund.state)).toEqual(['SUCCEEDED']);
  });

  it("records Khalti's own refusal FAILED and frees the balance (that answer is conclusive)", async () => {
    const payment = await domain.completed();
    domain.khalti.thenRefund(new KhaltiRejectedError('refund', 400, 'Refund window has closed.'));
    const refused = await domain.refunds.refund({ pidx: payment.pidx, amount: 300 }, 'key_admin');
    expect(refused.refund).toMatchObject({ state: 'FAILED' });
    expect(refused.userErrors).toEqual([expect.objectContaining({ code: 'KHALTI_REJECTED' })]);
    expect((await domain.refunds.refund({ pidx: payment.pidx, amount: 300 }, 'key_admin')).refund).toMatchObject({ state: 'SUCCEEDED' });
  });

  it('makes a REQUESTED refund left by a dead process UNKNOWN only after the abandon window, and then never FAILED', async () => {
    const payment = await domain.completed();
    let release!: () => void;
    domain.khalti.thenRefund(() => unavailable('refund'));
    // A refund in flight: its intent is recorded, the call has not returned.
    const hung = new Promise<void>((resolve) => (release = resolve));
    const original = domain.khalti.refund.bind(domain.khalti);
    domain.khalti.refund = async (request) => {
      await hung;
      return original(request);
    };
    const inFlight = domain.refunds.refund({ pidx: payment.pidx, amount: 300 }, 'key_admin');
    await new Promise((resolve) => setImmediate(resolve));
    expect((await domain.refunds.markAbandonedUnknown())).toBe(0);
    expect((await domain.refunds.refund({ pidx: payment.pidx, amount: 1 }, 'key_admin')).userErrors).toEqual([
      expect.objectContaining({ code: 'NOT_REFUNDABLE' }),
    ]);
    domain.clock.advance(60_000);
    expect((await domain.refunds.markAbandonedUnknown())).toBe(1);
    release();
    await inFlight;
    expect((await domain.refunds.forPayment(payment.pidx)).map((refund) => refund.state)).toEqual(['UNKNOWN']);
  });
});
