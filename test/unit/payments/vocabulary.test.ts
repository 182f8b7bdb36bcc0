/**
 * The domain's vocabulary is defined once: the GraphQL enums are exactly the domain's lists, the
 * audit codec round-trips every status source (old capitalised rows included), and the initiation
 * and refund transition tables allow what the services rely on and nothing more.
 */
import { GraphQLEnumType } from 'graphql';
import { buildGatewaySchema } from '../../../src/graphql/schema';
import { AUDIT_OPERATIONS, auditOperation } from '../../../src/payments/audit-operation';
import { claimEvent, INITIATION_STATES, nextInitiationState } from '../../../src/payments/initiation-state.rules';
import { PAYMENT_STATUSES } from '../../../src/payments/payment-status';
import { nextRefundState, REFUND_STATES, type RefundEvidence } from '../../../src/payments/refund-state.rules';
import { STATUS_SOURCES } from '../../../src/payments/status-source';
import { USER_ERROR_CODES } from '../../../src/payments/user-error';
import { WEBHOOK_EVENT_TYPES } from '../../../src/payments/webhook-event-type';

describe('the domain vocabulary', () => {
  it('registers the GraphQL enums from the domain lists, value for value', async () => {
    const schema = await buildGatewaySchema();
    const values = (name: string) => (schema.getType(name) as GraphQLEnumType).getValues().map((value) => value.value);
    expect(values('PaymentStatus')).toEqual([...PAYMENT_STATUSES]);
    expect(values('RefundState')).toEqual([...REFUND_STATES]);
    expect(values('StatusSource')).toEqual([...STATUS_SOURCES]);
    expect(values('UserErrorCode')).toEqual([...USER_ERROR_CODES]);
    expect(values('WebhookEventType')).toEqual([...WEBHOOK_EVENT_TYPES]);
  });

  it('writes audit operations in one casing and reads every status source back, old capitalised rows too', () => {
    for (const operations of Object.values(AUDIT_OPERATIONS)) for (const operation of operations) expect(operation).toMatch(/^[a-z]+(_[a-z]+)*$/);
    for (const source of STATUS_SOURCES) {
      const written = auditOperation.statusChange(source);
      expect(AUDIT_OPERATIONS.status_change).toContain(written);
      expect(auditOperation.sourceOf(written)).toBe(source);
      expect(auditOperation.sourceOf(source)).toBe(source);
      expect(auditOperation.read('status_change', source)).toBe(written);
    }
    expect(auditOperation.sourceOf('refund_requested')).toBeNull();
    expect(auditOperation.upstream('transactionStatus')).toBe('transaction_status');
    expect(auditOperation.read('upstream', 'transactionStatus')).toBe('transaction_status');
    expect(auditOperation.read('refund', 'refund_requested')).toBe('refund_requested');
  });

  it('lets an order be claimed when free, after a refusal or a lost answer, or once a lease ran out; never twice live', () => {
    const now = Date.now();
    const live = new Date(now + 1000);
    const lapsed = new Date(now - 1);
    expect(claimEvent(undefined, now)).toBe('claim');
    expect(claimEvent({ state: 'IN_FLIGHT', leaseUntil: live }, now)).toBeNull();
    expect(claimEvent({ state: 'IN_FLIGHT', leaseUntil: lapsed }, now)).toBe('take_over');
    expect(claimEvent({ state: 'FAILED', leaseUntil: live }, now)).toBe('claim');
    expect(claimEvent({ state: 'UNKNOWN', leaseUntil: live }, now)).toBe('claim');
    expect(claimEvent({ state: 'DONE', leaseUntil: lapsed }, now)).toBeNull();
    expect(INITIATION_STATES.map((state) => nextInitiationState(state, 'stored'))).toEqual(['DONE', null, null, null]);
    expect(nextInitiationState('IN_FLIGHT', 'no_answer')).toBe('UNKNOWN');
    expect(nextInitiationState('IN_FLIGHT', 'khalti_refused')).toBe('FAILED');
  });

  it('moves a refund out of UNKNOWN only on proof or an admin, and never out of SUCCEEDED or FAILED', () => {
    const evidence: RefundEvidence[] = ['khalti_accepted', 'khalti_refused', 'no_answer', 'lookup_applied', 'admin_succeeded', 'admin_failed'];
    const table = Object.fromEntries(REFUND_STATES.map((state) => [state, Object.fromEntries(evidence.map((e) => [e, nextRefundState(state, e)]))]));
    expect(table).toEqual({
      REQUESTED: { khalti_accepted: 'SUCCEEDED', khalti_refused: 'FAILED', no_answer: 'UNKNOWN', lookup_applied: null, admin_succeeded: null, admin_failed: null },
      UNKNOWN: { khalti_accepted: 'SUCCEEDED', khalti_refused: 'FAILED', no_answer: null, lookup_applied: 'SUCCEEDED', admin_succeeded: 'SUCCEEDED', admin_failed: 'FAILED' },
      SUCCEEDED: { khalti_accepted: null, khalti_refused: null, no_answer: null, lookup_applied: null, admin_succeeded: null, admin_failed: null },
      FAILED: { khalti_accepted: null, khalti_refused: null, no_answer: null, lookup_applied: null, admin_succeeded: null, admin_failed: null },
    });
  });
});
