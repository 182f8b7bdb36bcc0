/**
 * The webhook outbox below the API, on the suite's engine (SQLite in memory, or PostgreSQL): an
 * event and its deliveries exist exactly when the change they report committed; they fan out only
 * to enabled, subscribed, not deleted endpoints; a change nobody subscribed to writes nothing;
 * bodies carry amounts in integer paisa and no personal data; refund outcomes are events too; the
 * delivery worker is woken after the commit of a unit that queued something, and only then.
 */
import { KhaltiRejectedError } from '../../../src/khalti/khalti.errors';
import type { WebhookEventType } from '../../../src/payments/webhook-event-type';
import { queryRows, refusal } from '../../support/database';
import { createDomain, unavailable, type Domain } from '../payments/support/domain';

interface EventRow {
  id: string;
  type: string;
  pidx: string | null;
  refund_id: string | null;
  audit_id: number | string | null;
  body: string;
}
interface DeliveryRow {
  id: string;
  event_id: string;
  endpoint_id: string;
  state: string;
  attempts: number;
  next_attempt_at: number | Date | null;
  last_error: string | null;
}

describe('the webhook outbox', () => {
  let domain: Domain;
  beforeEach(async () => {
    domain = await createDomain();
  });
  afterEach(() => domain.close());

  // In the order of the changes they report (two events of one change share its audit row).
  const events = () => queryRows<EventRow>(domain.database, 'SELECT id, type, pidx, refund_id, audit_id, body FROM webhook_events ORDER BY audit_id, id');
  const deliveries = () =>
    queryRows<DeliveryRow>(domain.database, 'SELECT id, event_id, endpoint_id, state, attempts, next_attempt_at, last_error FROM webhook_deliveries ORDER BY endpoint_id, created_at');
  const endpoint = async (events: WebhookEventType[], url = 'http://127.0.0.1:1/hook') => {
    const created = await domain.webhookEndpoints.create({ url, events });
    if (!created.endpoint) throw new Error(JSON.stringify(created.userErrors));
    return created.endpoint.id;
  };

  it('writes nothing to the outbox (and wakes nothing) for a status change no endpoint receives', async () => {
    await endpoint(['PAYMENT_FAILED']);
    const disabled = await endpoint(['PAYMENT_COMPLETED']);
    await domain.webhookEndpoints.update({ id: disabled, enabled: false });
    await domain.completed();
    expect(await events()).toEqual([]);
    expect(await deliveries()).toEqual([]);
    expect(domain.wakes.count).toBe(0);
  });

  it('fans an event out to each enabled, subscribed, not deleted endpoint: one PENDING delivery each, due now', async () => {
    const receives = await endpoint(['PAYMENT_COMPLETED', 'PAYMENT_REFUNDED']);
    const alsoReceives = await endpoint(['PAYMENT_COMPLETED']);
    const otherType = await endpoint(['PAYMENT_EXPIRED']);
    const disabled = await endpoint(['PAYMENT_COMPLETED']);
    await domain.webhookEndpoints.update({ id: disabled, enabled: false });
    const deleted = await endpoint(['PAYMENT_COMPLETED']);
    expect(await domain.webhookEndpoints.delete(deleted)).toBe(true);

    const payment = await domain.completed();
    const [event, ...more] = await events();
    expect(more).toEqual([]);
    expect(event).toMatchObject({ type: 'payment.completed', pidx: payment.pidx, refund_id: null });
    expect(event!.id).toMatch(/^msg_[0-9a-z]{26}$/);
    // The audit row of the status change it reports.
    const [change] = await queryRows<{ id: number | string }>(domain.database, "SELECT id FROM audit_log WHERE kind = 'status_change' AND pidx = ? AND detail LIKE ?", payment.pidx, '%"to":"COMPLETED"%');
    expect(Number(event!.audit_id)).toBe(Number(change!.id));

    const queued = await deliveries();
    expect(queued.map((row) => row.endpoint_id).sort()).toEqual([receives, alsoReceives].sort());
    for (const row of queued) {
      expect(row).toMatchObject({ event_id: event!.id, state: 'PENDING', attempts: 0 });
      expect(row.id).toMatch(/^whd_/);
      expect(new Date(row.next_attempt_at!).getTime()).toBe(domain.clock.now.getTime());
    }
    expect(queued.map((row) => row.endpoint_id)).not.toContain(otherType);
    expect(domain.wakes.count).toBe(1);
  });

  it('builds the body from the payment as committed: amounts in integer paisa, paid by the Payment.paid rule, no personal data', async () => {
    await endpoint(['PAYMENT_COMPLETED']);
    const buyer = { customerName: 'Sita Kumari Tamang', customerEmail: 'sita.tamang@example.org', customerPhone: '9812345678' };
    const payment = await domain.completed({ amount: 125050, ...buyer });
    const [event] = await events();
    expect(JSON.parse(event!.body)).toEqual({
      type: 'payment.completed',
      timestamp: domain.clock.now.toISOString(),
      data: {
        pidx: payment.pidx,
        purchaseOrderId: payment.purchaseOrderId,
        amount: 125050,
        totalAmount: 125050,
        status: 'COMPLETED',
        paid: true,
        refundedAmount: 0,
        transactionId: `txn-${payment.pidx}`,
        lateCompletion: false,
      },
    });
    for (const value of Object.values(buyer)) expect(event!.body).not.toContain(value);
  });

  it('sends payment.amount_mismatch beside the status event of that change, in the same unit, and still warns after the commit', async () => {
    await endpoint(['PAYMENT_COMPLETED', 'PAYMENT_AMOUNT_MISMATCH']);
    const payment = await domain.initiated({ amount: 1300 });
    domain.khalti.says(payment.pidx, 'COMPLETED', { totalAmount: 1000, transactionId: 'txn-short' });
    await domain.state.refresh(payment.pidx, 'LOOKUP');
    const rows = await events();
    expect(rows.map((row) => row.type).sort()).toEqual(['payment.amount_mismatch', 'payment.completed']);
    for (const row of rows) expect(JSON.parse(row.body).data).toMatchObject({ amount: 1300, totalAmount: 1000, paid: false, status: 'COMPLETED' });
    expect(new Set(rows.map((row) => Number(row.audit_id))).size).toBe(1);
    expect(domain.warnings.some((line) => line.includes('amount mismatch'))).toBe(true);
    expect(domain.wakes.count).toBe(1);

    // Seen again, nothing moves: no second event.
    await domain.state.refresh(payment.pidx, 'LOOKUP');
    expect(await events()).toHaveLength(2);
  });

  it('leaves neither the event nor its deliveries when the unit that recorded them fails after recording', async () => {
    await endpoint(['PAYMENT_COMPLETED']);
    const payment = await domain.completed();
    const before = await events();
    expect(before).toHaveLength(1);
    await expect(
      domain.database.transaction(async (tx) => {
        const queued = await domain.outbox.record(tx, { type: 'PAYMENT_COMPLETED', payment, at: domain.clock.now });
        expect(queued).toBe(1);
        throw new Error('the change this event reports failed after it was recorded');
      }),
    ).rejects.toThrow(/failed after it was recorded/);
    expect(await events()).toEqual(before);
    expect(await deliveries()).toHaveLength(1);
  });

  it("gives up a deleted endpoint's PENDING deliveries ('endpoint deleted') in the unit that deletes it, and leaves the others", async () => {
    const doomed = await endpoint(['PAYMENT_COMPLETED']);
    const kept = await endpoint(['PAYMENT_COMPLETED']);
    await domain.completed();
    domain.clock.advance(1000);
    await domain.completed();
    const delivered = (await deliveries()).find((row) => row.endpoint_id === doomed);
    expect(delivered).toMatchObject({ state: 'PENDING' });
    // As the delivery worker would have recorded it.
    expect(await refusal(domain.database, `UPDATE webhook_deliveries SET state = 'DELIVERED', next_attempt_at = NULL WHERE id = '${delivered!.id}'`)).toBeNull();

    expect(await domain.webhookEndpoints.delete(doomed)).toBe(true);
    const after = await deliveries();
    expect(after.filter((row) => row.endpoint_id === doomed).map((row) => [row.state, row.last_error, row.next_attempt_at])).toEqual([
      ['DELIVERED', null, null],
      ['FAILED', 'endpoint deleted', null],
    ]);
    expect(after.filter((row) => row.endpoint_id === kept).map((row) => row.state)).toEqual(['PENDING', 'PENDING']);
    const [audit] = await queryRows<{ detail: string }>(domain.database, "SELECT detail FROM audit_log WHERE operation = 'webhook_endpoint_deleted'");
    expect(JSON.parse(audit!.detail)).toEqual({ endpointId: doomed, host: '127.0.0.1:1', events: ['payment.completed'], deliveriesFailed: 1 });

    // Deleted, it receives nothing more.
    domain.clock.advance(1000);
    await domain.completed();
    expect((await deliveries()).filter((row) => row.endpoint_id === doomed)).toHaveLength(2);
  });

  it('records refund outcomes (succeeded, failed, unknown) with the refund but never its mobile, then the status that follows', async () => {
    await endpoint(['REFUND_SUCCEEDED', 'REFUND_FAILED', 'REFUND_UNKNOWN', 'PAYMENT_PARTIALLY_REFUNDED']);
    const payment = await domain.completed({ bankPayment: true });

    domain.khalti.thenRefund(new KhaltiRejectedError('refund', 400, 'Refund window has closed.'));
    const refused = await domain.refunds.refund({ pidx: payment.pidx, amount: 300, mobile: '9807654321' }, 'key_admin');
    expect(refused.refund).toMatchObject({ state: 'FAILED' });

    domain.clock.advance(1000);
    domain.khalti.says(payment.pidx, 'PARTIALLY_REFUNDED', { totalAmount: 1300, transactionId: `txn-${payment.pidx}`, refunded: true });
    const done = await domain.refunds.refund({ pidx: payment.pidx, amount: 400, mobile: '9807654321' }, 'key_admin');
    expect(done.refund).toMatchObject({ state: 'SUCCEEDED' });

    domain.clock.advance(1000);
    domain.khalti.thenRefund(unavailable('refund'), unavailable('lookup'));
    const lost = await domain.refunds.refund({ pidx: payment.pidx, amount: 100, mobile: '9807654321' }, 'key_admin');
    expect(lost.refund).toMatchObject({ state: 'UNKNOWN' });

    const rows = await events();
    expect(rows.map((row) => row.type)).toEqual(['refund.failed', 'refund.succeeded', 'payment.partially_refunded', 'refund.unknown']);
    const bodies = rows.map((row) => JSON.parse(row.body));
    expect(bodies[0].data.refund).toEqual({
      id: refused.refund!.id,
      amount: 300,
      full: false,
      state: 'FAILED',
      detail: expect.stringContaining('Refund window has closed.'),
      createdAt: expect.any(String),
    });
    expect(rows[0]!.refund_id).toBe(refused.refund!.id);
    expect(bodies[1].data).toMatchObject({ refundedAmount: 400, paid: false, refund: { id: done.refund!.id, amount: 400, state: 'SUCCEEDED' } });
    expect(bodies[2].data).toMatchObject({ status: 'PARTIALLY_REFUNDED', refundedAmount: 400 });
    expect(bodies[2].data.refund).toBeUndefined();
    expect(bodies[3].data.refund).toMatchObject({ id: lost.refund!.id, amount: 100, state: 'UNKNOWN' });
    for (const row of rows) expect(row.body).not.toContain('9807654321');
    for (const body of bodies) {
      for (const value of [body.data.amount, body.data.totalAmount, body.data.refundedAmount, body.data.refund?.amount ?? 0]) expect(Number.isInteger(value)).toBe(true);
    }
    expect(domain.wakes.count).toBe(4);
  });
});
