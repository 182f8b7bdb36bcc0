/** SecurityEvents: at most the cap of rows a minute; the rest counted and summarised in one row. */
import { SecurityEvents, type SecurityEvent } from '../../../src/payments/security-events';

function setup(perMinute = 5) {
  const rows: SecurityEvent[] = [];
  const logs: string[] = [];
  let clock = new Date('2026-12-01T10:00:00Z');
  const events = new SecurityEvents(
    { securityEvent: async (event) => rows.push(event) },
    { perMinute, now: () => clock, log: (line) => logs.push(line) },
  );
  return { rows, logs, events, advance: (ms: number) => (clock = new Date(clock.getTime() + ms)) };
}

const probe = (n: number): SecurityEvent => ({ operation: 'return_unknown_pidx', detail: { pidx: `Probe${n}` } });

describe('SecurityEvents', () => {
  it('writes at most the cap in a minute, counts the rest, and warns once (calls made all at once included)', async () => {
    const { rows, logs, events } = setup(5);
    const written = await Promise.all(Array.from({ length: 1000 }, (_, i) => events.record(probe(i))));
    expect(written.filter(Boolean)).toHaveLength(5);
    expect(rows).toHaveLength(5);
    expect(logs).toHaveLength(1);
    expect(logs[0]).toContain('more than 5 security events this minute');
  });

  it('summarises what was dropped in one row at the next window, within that window\'s cap', async () => {
    const { rows, logs, events, advance } = setup(5);
    for (let i = 0; i < 20; i += 1) await events.record(probe(i));
    for (let i = 0; i < 3; i += 1) await events.record({ operation: 'return_malformed_pidx', detail: { reason: 'shape', length: 9 } });
    advance(59_999);
    await events.record(probe(99));
    expect(rows).toHaveLength(5);
    advance(1);
    for (let i = 0; i < 10; i += 1) await events.record(probe(100 + i));
    expect(rows).toHaveLength(10);
    expect(rows[5]).toMatchObject({
      operation: 'security_events_suppressed',
      detail: { suppressed: { return_unknown_pidx: 16, return_malformed_pidx: 3 }, since: '2026-12-01T10:00:00.000Z', until: '2026-12-01T10:01:00.000Z' },
    });
    expect(rows.slice(6).map((row) => row.detail.pidx)).toEqual(['Probe100', 'Probe101', 'Probe102', 'Probe103']);
    expect(logs).toHaveLength(2);
  });

  it('writes no summary when nothing was dropped', async () => {
    const { rows, events, advance } = setup(5);
    await events.record(probe(1));
    advance(120_000);
    await events.record(probe(2));
    expect(rows.map((row) => row.operation)).toEqual(['return_unknown_pidx', 'return_unknown_pidx']);
  });
});
