/**
 * Shared lookups that are never stale for the caller. Buyers coming back through /khalti/return
 * (and anyone replaying that URL) would otherwise cost one Khalti lookup each; sharing the lookup
 * already in flight is not allowed either, because it may have been answered by Khalti before
 * this buyer paid, and would tell them "not paid" for a payment they just made.
 *
 * So, per key: at most one lookup runs. A caller that arrives while one runs joins the *next*
 * lookup, which starts as soon as the running one settles; every caller that arrives meanwhile
 * joins that same next lookup. Every caller's lookup therefore started after the caller arrived,
 * and any number of concurrent callers cost at most two lookups. A failure reaches exactly the
 * callers of the lookup that failed; the one queued behind it still runs.
 */
export class FreshLookups<T> {
  private readonly slots = new Map<string, { running: Promise<T>; next: Promise<T> | null; startNext: (() => void) | null }>();

  constructor(private readonly lookup: (key: string) => Promise<T>) {}

  /** A lookup for `key` that starts now, or after the one in flight settles. */
  get(key: string): Promise<T> {
    const slot = this.slots.get(key);
    if (!slot) return this.start(key);
    if (!slot.next) {
      slot.next = new Promise<T>((resolve) => {
        slot.startNext = () => resolve(this.start(key));
      });
    }
    return slot.next;
  }

  /** Keys with a lookup in flight (for tests and metrics). */
  get size(): number {
    return this.slots.size;
  }

  private start(key: string): Promise<T> {
    let running: Promise<T>;
    try {
      running = this.lookup(key);
    } catch (error) {
      running = Promise.reject(error);
    }
    const slot = { running, next: null as Promise<T> | null, startNext: null as (() => void) | null };
    this.slots.set(key, slot);
    const settled = () => {
      // The queued lookup replaces this slot (start sets it); with nobody queued the key goes.
      if (slot.startNext) slot.startNext();
      else this.slots.delete(key);
    };
    running.then(settled, settled);
    return running;
  }
}
