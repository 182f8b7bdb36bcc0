import { ConnectionSlots } from '../../../src/khalti/khalti.slots';

describe('ConnectionSlots', () => {
  test('hands out up to size slots at once, then queues first come first served', async () => {
    const slots = new ConnectionSlots(2);
    await expect(slots.acquire(1000)).resolves.toBe(true);
    await expect(slots.acquire(1000)).resolves.toBe(true);
    const order: number[] = [];
    const third = slots.acquire(10_000).then((ok) => order.push(3) && ok);
    const fourth = slots.acquire(10_000).then((ok) => order.push(4) && ok);
    expect(slots.stats()).toEqual({ size: 2, inUse: 2, waiting: 2, refused: 0 });
    slots.release();
    await expect(third).resolves.toBe(true);
    expect(order).toEqual([3]);
    slots.release();
    await expect(fourth).resolves.toBe(true);
    expect(order).toEqual([3, 4]);
    expect(slots.stats()).toEqual({ size: 2, inUse: 2, waiting: 0, refused: 0 });
  });

  test('a waiter that gets no slot within its wait is refused and leaves the queue', async () => {
    const slots = new ConnectionSlots(1);
    await slots.acquire(1000);
    await expect(slots.acquire(20)).resolves.toBe(false);
    expect(slots.stats()).toEqual({ size: 1, inUse: 1, waiting: 0, refused: 1 });
    slots.release();
    expect(slots.stats().inUse).toBe(0);
    // A released slot passes straight to the longest waiter.
    await slots.acquire(1000);
    const waiting = slots.acquire(10_000);
    const idle = slots.idle();
    slots.release();
    await expect(waiting).resolves.toBe(true);
    slots.release();
    await idle;
    expect(slots.stats()).toEqual({ size: 1, inUse: 0, waiting: 0, refused: 1 });
  });

  test('idle() resolves at once when nothing holds or waits', async () => {
    await new ConnectionSlots(3).idle();
  });
});
