/**
 * Connection slots: at most `size` calls hold a connection to Khalti at once (the undici Pool has
 * exactly that many connections, so a call holding a slot is never queued inside undici). A call
 * that finds no slot free waits, first come first served, for at most its own wait; one that
 * gets none in time is refused before anything is handed to undici, so nothing of it can ever be
 * sent later.
 */
interface Waiter {
  grant(): void;
}

export interface SlotStats {
  /** Slots (connections) in all. */
  size: number;
  /** Calls holding a slot: sending, or waiting for Khalti's answer. */
  inUse: number;
  /** Calls waiting for a slot. */
  waiting: number;
  /** Calls refused so far because no slot came free within their wait. */
  refused: number;
}

export class ConnectionSlots {
  private inUse = 0;
  private refused = 0;
  /** Insertion-ordered: the first entry has waited longest. */
  private readonly waiters = new Set<Waiter>();
  private idleWaiters: Array<() => void> = [];

  constructor(readonly size: number) {}

  /**
   * Takes a slot: resolves true with one taken (give it back with release()), or false when none
   * came free within `waitMs`.
   */
  acquire(waitMs: number): Promise<boolean> {
    if (this.inUse < this.size && this.waiters.size === 0) {
      this.inUse++;
      return Promise.resolve(true);
    }
    return new Promise<boolean>((resolve) => {
      const waiter: Waiter = {
        grant: () => {
          clearTimeout(timer);
          resolve(true);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        this.refused++;
        resolve(false);
        this.notifyIdle();
      }, waitMs);
      this.waiters.add(waiter);
    });
  }

  /** Gives a slot back: the longest waiter, if any, takes it at once. */
  release(): void {
    const next = this.waiters.values().next();
    if (!next.done) {
      this.waiters.delete(next.value);
      next.value.grant(); // the slot passes on: inUse unchanged
      return;
    }
    this.inUse--;
    this.notifyIdle();
  }

  stats(): SlotStats {
    return { size: this.size, inUse: this.inUse, waiting: this.waiters.size, refused: this.refused };
  }

  /** Resolves once no call holds or waits for a slot. */
  idle(): Promise<void> {
    if (this.inUse === 0 && this.waiters.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private notifyIdle(): void {
    if (this.inUse !== 0 || this.waiters.size !== 0) return;
    const waiting = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiting) resolve();
  }
}
