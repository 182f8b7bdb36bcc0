/**
 * A subscriber's undelivered events are bounded: past the limit it gets one SUBSCRIBER_TOO_SLOW
 * error and the end, and the subscription it was reading is left. A subscription that fails ends
 * with one error result, not a thrown error (which graphql-ws would turn into closing the socket).
 */
import type { ExecutionResult } from 'graphql';
import { boundedSubscription } from '../../../src/graphql/subscription-queue';

/** A source the test pushes into, recording whether it was left (return). */
function source() {
  const pending: ExecutionResult[] = [];
  let wake: ((result: IteratorResult<ExecutionResult>) => void) | null = null;
  let fail: ((error: unknown) => void) | null = null;
  const state = { returned: false };
  const iterator: AsyncIterator<ExecutionResult> = {
    next: () =>
      new Promise((resolve, reject) => {
        const value = pending.shift();
        if (value) resolve({ done: false, value });
        else {
          wake = resolve;
          fail = reject;
        }
      }),
    return: async () => {
      state.returned = true;
      wake?.({ done: true, value: undefined });
      return { done: true, value: undefined };
    },
  };
  return {
    iterator,
    state,
    push(n: number) {
      const value: ExecutionResult = { data: { n } };
      if (wake) {
        const resolve = wake;
        wake = null;
        resolve({ done: false, value });
      } else pending.push(value);
    },
    fail(error: unknown) {
      fail?.(error);
    },
  };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('boundedSubscription', () => {
  it('hands events over in order while the subscriber keeps up', async () => {
    const upstream = source();
    const bounded = boundedSubscription(upstream.iterator, 3);
    for (let n = 1; n <= 10; n += 1) {
      upstream.push(n);
      await tick();
      expect(await bounded.next()).toEqual({ done: false, value: { data: { n } } });
    }
    await bounded.return!();
    expect(upstream.state.returned).toBe(true);
  });

  it('queues up to the limit, and past it ends the subscriber with SUBSCRIBER_TOO_SLOW and leaves the source', async () => {
    const upstream = source();
    const bounded = boundedSubscription(upstream.iterator, 3);
    for (let n = 1; n <= 3; n += 1) {
      upstream.push(n);
      await tick();
    }
    expect(upstream.state.returned).toBe(false);
    upstream.push(4);
    await tick();
    expect(upstream.state.returned).toBe(true);
    const final = await bounded.next();
    expect(final.done).toBe(false);
    const errors = (final.value as ExecutionResult).errors!;
    expect(errors).toHaveLength(1);
    expect(errors[0]!.extensions.code).toBe('SUBSCRIBER_TOO_SLOW');
    expect(errors[0]!.message).toMatch(/subscribe again with after set to the cursor of the last event you received/);
    expect(await bounded.next()).toEqual({ done: true, value: undefined });
  });

  it('delivers what is queued when it is within the limit', async () => {
    const upstream = source();
    const bounded = boundedSubscription(upstream.iterator, 3);
    for (let n = 1; n <= 3; n += 1) upstream.push(n);
    await tick();
    const got = [await bounded.next(), await bounded.next(), await bounded.next()].map((step) => (step.value as ExecutionResult).data);
    expect(got).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
  });

  it('turns a failing source into one error result, then the end', async () => {
    const upstream = source();
    const bounded = boundedSubscription(upstream.iterator, 3);
    const waiting = bounded.next();
    await tick();
    upstream.fail(new Error('database is locked'));
    const step = await waiting;
    expect((step.value as ExecutionResult).errors?.[0]?.message).toBe('database is locked');
    expect(await bounded.next()).toEqual({ done: true, value: undefined });
  });
});
