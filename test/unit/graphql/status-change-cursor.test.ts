/** PaymentStatusChange.cursor: opaque, stable, and decoded strictly (anything else names `after`). */
import { GraphQLError } from 'graphql';
import { decodeStatusChangeCursor, encodeStatusChangeCursor } from '../../../src/graphql/status-change-cursor';
import { resumesFromCursor } from '../../../src/graphql/resume-argument';
import { parse } from 'graphql';

describe('status change cursors', () => {
  it('round-trips an audit row id, the same string every time', () => {
    for (const id of [1, 42, 9_007_199_254_740]) {
      const cursor = encodeStatusChangeCursor(id);
      expect(cursor).toBe(encodeStatusChangeCursor(id));
      expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(decodeStatusChangeCursor(cursor)).toBe(id);
    }
  });

  it.each([
    ['empty', ''],
    ['not base64', '***'],
    ['a connection cursor', Buffer.from(JSON.stringify({ id: 3 })).toString('base64url')],
    ['zero', Buffer.from('sc:0').toString('base64url')],
    ['a leading zero', Buffer.from('sc:07').toString('base64url')],
    ['trailing text', Buffer.from('sc:7 ').toString('base64url')],
    ['another prefix', Buffer.from('pc:7').toString('base64url')],
    ['padding added', `${encodeStatusChangeCursor(7)}=`],
    ['too large', Buffer.from('sc:99999999999999999').toString('base64url')],
  ])('refuses %s with BAD_USER_INPUT naming after', (_what, cursor) => {
    let thrown: unknown;
    try {
      decodeStatusChangeCursor(cursor);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(GraphQLError);
    expect((thrown as GraphQLError).extensions.code).toBe('BAD_USER_INPUT');
    expect((thrown as GraphQLError).message).toMatch(/^after: /);
  });
});

describe('resumesFromCursor (what keeps a subscription out of shared executions)', () => {
  const doc = (text: string) => parse(text);
  it('is true for an after with a value, inline or by variable', () => {
    expect(resumesFromCursor({ document: doc('subscription { paymentStatusChanged(pidx: "p", after: "c") { status } }') })).toBe(true);
    expect(resumesFromCursor({ document: doc('subscription ($a: String) { paymentStatusChanged(pidx: "p", after: $a) { status } }'), variableValues: { a: 'c' } })).toBe(true);
  });
  it('is false without one', () => {
    expect(resumesFromCursor({ document: doc('subscription { paymentStatusChanged(pidx: "p") { status } }') })).toBe(false);
    expect(resumesFromCursor({ document: doc('subscription { paymentStatusChanged(pidx: "p", after: null) { status } }') })).toBe(false);
    expect(resumesFromCursor({ document: doc('subscription ($a: String) { paymentStatusChanged(pidx: "p", after: $a) { status } }'), variableValues: {} })).toBe(false);
  });
});
