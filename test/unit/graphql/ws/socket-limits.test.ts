import { defaultMaxConnections, openFileLimit, TokenBucket } from '../../../../src/graphql/ws/socket-limits';

describe('TokenBucket', () => {
  it('allows the burst at once, then the rate as time passes', () => {
    let now = 0;
    const bucket = new TokenBucket(10, 3, () => now);
    expect([bucket.take(), bucket.take(), bucket.take(), bucket.take()]).toEqual([true, true, true, false]);
    now += 100; // one token back at 10 a second
    expect([bucket.take(), bucket.take()]).toEqual([true, false]);
    now += 10_000; // refills to the burst, no further
    expect([bucket.take(), bucket.take(), bucket.take(), bucket.take()]).toEqual([true, true, true, false]);
  });
});

describe('open-files limit', () => {
  const limits = (soft: string) => `Limit                     Soft Limit           Hard Limit           Units\nMax open files            ${soft}                524288               files\n`;

  it('reads the soft limit from /proc/self/limits', () => {
    expect(openFileLimit(() => limits('20000'))).toBe(20000);
    expect(openFileLimit(() => limits('unlimited'))).toBeNull();
    expect(openFileLimit(() => 'nothing here')).toBeNull();
    expect(
      openFileLimit(() => {
        throw new Error('ENOENT');
      }),
    ).toBeNull();
  });

  it('keeps WS_MAX_CONNECTIONS below it by a reserve, at most 10,000', () => {
    expect(defaultMaxConnections(null)).toBe(10_000);
    expect(defaultMaxConnections(1_048_576)).toBe(10_000);
    expect(defaultMaxConnections(8192)).toBe(8192 - 1024);
    expect(defaultMaxConnections(1024)).toBe(512);
    expect(defaultMaxConnections(1)).toBe(1);
  });
});
