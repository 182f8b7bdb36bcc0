/**
 * FreshLookups: concurrent callers share lookups, but each caller's lookup started after it
 * arrived. A fake refresh with deferred promises; no timers.
 */
import { FreshLookups } from '../../../src/payments/fresh-lookup';

interface Call {
  key: string;
  /** What the fake Khalti "knows" when this lookup starts. */
  sawVersion: number;
  resolve(value: string): void;
  reject(error: Error): void;
}

function fakeRefresh() {
  const calls: Call[] = [];
  let version = 0;
  const refresh = (key: string) =>
    new Promise<string>((resolve, reject) => {
      calls.push({ key, sawVersion: version, resolve, reject });
    });
  return { calls, refresh, bump: () => (version += 1), version: () => version };
}

/** Lets every pending promise callback run (settling chains through several microtasks). */
const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('FreshLookups', () => {
  it('runs one lookup for a caller that finds none in flight, and forgets the key when it settles', async () => {
    const fake = fakeRefresh();
    const lookups = new FreshLookups(fake.refresh);
    const answer = lookups.get('p1');
    expect(fake.calls).toHaveLength(1);
    expect(lookups.size).toBe(1);
    fake.calls[0]!.resolve('first');
    await expect(answer).resolves.toBe('first');
    await flush();
    expect(lookups.size).toBe(0);
  });

  it('never hands a caller a lookup that started before it arrived', async () => {
    const fake = fakeRefresh();
    const lookups = new FreshLookups(fake.refresh);
    const early = lookups.get('p1');
    // The buyer pays while the first lookup is in flight, then comes back.
    fake.bump();
    const late = lookups.get('p1');
    expect(fake.calls).toHaveLength(1);
    fake.calls[0]!.resolve(`saw ${fake.calls[0]!.sawVersion}`);
    await expect(early).resolves.toBe('saw 0');
    await flush();
    // The late caller's lookup starts only now, after the first settled.
    expect(fake.calls).toHaveLength(2);
    expect(fake.calls[1]!.sawVersion).toBe(1);
    fake.calls[1]!.resolve(`saw ${fake.calls[1]!.sawVersion}`);
    await expect(late).resolves.toBe('saw 1');
  });

  it('N concurrent callers cost at most two lookups; all arrivals during one lookup share the next', async () => {
    const fake = fakeRefresh();
    const lookups = new FreshLookups(fake.refresh);
    const first = lookups.get('p1');
    const waiting = Array.from({ length: 50 }, () => lookups.get('p1'));
    expect(fake.calls).toHaveLength(1);
    fake.calls[0]!.resolve('one');
    await flush();
    expect(fake.calls).toHaveLength(2);
    // Arrivals while the second runs wait for a third.
    const third = lookups.get('p1');
    fake.calls[1]!.resolve('two');
    await expect(first).resolves.toBe('one');
    expect(await Promise.all(waiting)).toEqual(Array(50).fill('two'));
    await flush();
    expect(fake.calls).toHaveLength(3);
    fake.calls[2]!.resolve('three');
    await expect(third).resolves.toBe('three');
    await flush();
    expect(lookups.size).toBe(0);
  });

  it('keys are independent', async () => {
    const fake = fakeRefresh();
    const lookups = new FreshLookups(fake.refresh);
    const a = lookups.get('a');
    const b = lookups.get('b');
    expect(fake.calls.map((call) => call.key)).toEqual(['a', 'b']);
    fake.calls[1]!.resolve('B');
    fake.calls[0]!.resolve('A');
    await expect(Promise.all([a, b])).resolves.toEqual(['A', 'B']);
  });

  it('a failure reaches every caller of that lookup, and the next one still runs', async () => {
    const fake = fakeRefresh();
    const lookups = new FreshLookups(fake.refresh);
    const first = lookups.get('p1');
    const joiners = [lookups.get('p1'), lookups.get('p1')];
    fake.calls[0]!.reject(new Error('timeout'));
    await expect(first).rejects.toThrow('timeout');
    await flush();
    expect(fake.calls).toHaveLength(2);
    const joinersOfSecond = [lookups.get('p1')];
    fake.calls[1]!.reject(new Error('upstream 503'));
    for (const joiner of joiners) await expect(joiner).rejects.toThrow('upstream 503');
    await flush();
    fake.calls[2]!.resolve('ok');
    await expect(joinersOfSecond[0]).resolves.toBe('ok');
    await flush();
    expect(lookups.size).toBe(0);
  });

  it('a lookup that throws synchronously fails its callers and leaves nothing behind', async () => {
    const lookups = new FreshLookups<string>(() => {
      throw new Error('no client');
    });
    await expect(lookups.get('p1')).rejects.toThrow('no client');
    await flush();
    expect(lookups.size).toBe(0);
  });
});
