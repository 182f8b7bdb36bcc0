/**
 * The emulator's payments on disk (emulator.state.ts): one file per payment, written whole and
 * renamed into place, read back into an identical record by the next store; files that are not
 * the emulator's are skipped and reported, never fatal; a folder that cannot be one is.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmulatorStateError, openEmulatorState, parsePaymentFile, serializePayment } from '../../../src/sandbox/emulator.state';
import { EmulatorStore } from '../../../src/sandbox/emulator.store';
import type { ValidInitiate } from '../../../src/sandbox/emulator.validation';

const clock = () => new Date('2025-01-15T06:00:00.000Z');

function input(overrides: Partial<ValidInitiate> = {}): ValidInitiate {
  return {
    returnUrl: 'https://merchant.example.com/return',
    websiteUrl: 'https://merchant.example.com/',
    amount: 1300,
    purchaseOrderId: 'order-1',
    purchaseOrderName: 'Sticker',
    modes: [],
    bank: null,
    merchantExtra: { merchant_note: { a: 1 } },
    ttl: null,
    ...overrides,
  } as ValidInitiate;
}

describe('the emulator state folder', () => {
  let dir: string;
  let folder: string;
  let errors: string[];
  const open = () => openEmulatorState(folder, { onError: (message) => errors.push(message) });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'emulator-state-'));
    folder = join(dir, 'gw.sqlite-emulator');
    errors = [];
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('is created owner-only, and each payment is a 0600 file named by its pidx', () => {
    const store = new EmulatorStore(clock, open());
    const record = store.create(input(), { amount: 1300 }, 1800);
    expect(statSync(folder).mode & 0o777).toBe(0o700);
    expect(readdirSync(folder)).toEqual([`${record.pidx}.json`]);
    expect(statSync(join(folder, `${record.pidx}.json`)).mode & 0o777).toBe(0o600);
    expect(errors).toEqual([]);
  });

  it('gives the next store every payment as it was: status, dates, transaction id, refunds, lock, override', () => {
    const first = new EmulatorStore(clock, open());
    const paid = first.create(input({ amount: 5000 }), { amount: 5000, customer_info: { name: 'Ram' } }, 1800);
    first.complete(paid, '9800000001');
    first.refund(paid, 2000, null);
    const locked = first.create(input(), {}, 60);
    first.wrongMpin(locked, 1);
    const forced = first.create(input(), {}, 1800);
    first.setLookupOverride(forced, { status: 'Weird', http_status: 200 });
    const canceled = first.create(input(), {}, 1800);
    first.cancel(canceled);

    const second = new EmulatorStore(clock, open());
    for (const record of [paid, locked, forced, canceled]) expect(second.get(record.pidx)).toEqual(record);
    expect(second.get(paid.pidx)!.refunds[0]!.at).toBeInstanceOf(Date);
    expect(second.get(paid.pidx)!.completedAt).toBeInstanceOf(Date);
    // A refund finds the payment by its transaction id after the restart too.
    expect(second.byTransaction(paid.transactionId!)).toBe(second.get(paid.pidx));
    expect(second.all()).toHaveLength(4);
    expect(errors).toEqual([]);
  });

  it('writes every change before the call returns (a correct MPIN resets the count on disk too)', () => {
    const store = new EmulatorStore(clock, open());
    const record = store.create(input(), {}, 1800);
    const onDisk = () => parsePaymentFile(readFileSync(join(folder, `${record.pidx}.json`), 'utf8'), record.pidx);
    store.wrongMpin(record, 3);
    expect(onDisk()).toMatchObject({ mpinFailures: 1 });
    store.rightMpin(record);
    expect(onDisk()).toMatchObject({ mpinFailures: 0 });
    store.markPending(record);
    expect(onDisk()).toMatchObject({ status: 'Pending' });
    store.expire(record);
    expect(onDisk()).toMatchObject({ status: 'Expired' });
    store.setLookupOverride(record, null);
    expect(onDisk()).toMatchObject({ lookupOverride: null });
    // Written whole, then renamed: no temporary file is left behind.
    expect(readdirSync(folder)).toEqual([`${record.pidx}.json`]);
  });

  it('reset forgets the payments on disk as well, and leaves other files alone', () => {
    const store = new EmulatorStore(clock, open());
    store.create(input(), {}, 1800);
    store.create(input(), {}, 1800);
    writeFileSync(join(folder, 'README.txt'), 'mine');
    store.reset();
    expect(readdirSync(folder)).toEqual(['README.txt']);
    expect(new EmulatorStore(clock, open()).all()).toEqual([]);
  });

  it('skips, and reports, a file that is not one of its payments; the others still load', () => {
    const store = new EmulatorStore(clock, open());
    const good = store.create(input(), {}, 1800);
    writeFileSync(join(folder, 'Broken1.json'), '{"kind": "khalti-emulator-pay');
    writeFileSync(join(folder, 'Foreign2.json'), JSON.stringify({ hello: 'world' }));
    writeFileSync(join(folder, 'Renamed3.json'), serializePayment(good));
    const newer = JSON.parse(serializePayment(good));
    writeFileSync(join(folder, 'Future4.json'), JSON.stringify({ ...newer, version: 2, payment: { ...newer.payment, pidx: 'Future4' } }));
    const mangled = JSON.parse(serializePayment(good));
    mangled.payment.pidx = 'Mangled5';
    mangled.payment.amount = '1300';
    mangled.payment.createdAt = 'yesterday';
    writeFileSync(join(folder, 'Mangled5.json'), JSON.stringify(mangled));
    writeFileSync(join(folder, `.${good.pidx}.123.1.tmp`), 'half a wri');

    const again = new EmulatorStore(clock, open());
    expect(again.all().map((record) => record.pidx)).toEqual([good.pidx]);
    expect(errors).toEqual([
      expect.stringMatching(/^skipped \S+Broken1\.json: not JSON$/),
      expect.stringMatching(/^skipped \S+Foreign2\.json: not a payment file this emulator wrote$/),
      expect.stringMatching(/^skipped \S+Future4\.json: written in format version 2, this emulator reads version 1$/),
      expect.stringMatching(/^skipped \S+Mangled5\.json: unusable field\(s\): amount, createdAt$/),
      expect.stringMatching(/^skipped \S+Renamed3\.json: unusable field\(s\): pidx \(it must match the file name\)$/),
    ]);
  });

  it('keeps serving from memory, and says so, when a write fails', () => {
    const store = new EmulatorStore(clock, open());
    const record = store.create(input(), {}, 1800);
    rmSync(folder, { recursive: true });
    store.complete(record, '9800000002');
    expect(store.get(record.pidx)!.status).toBe('Completed');
    expect(errors).toEqual([expect.stringMatching(new RegExp(`^could not save payment ${record.pidx} to \\S+ \\(ENOENT: no such file or directory, .*\\); it is kept in memory only until the next restart$`))]);
  });

  it('refuses a state folder that is a file, or that cannot be created', () => {
    writeFileSync(folder, 'not a folder');
    expect(() => open()).toThrow(EmulatorStateError);
    expect(() => open()).toThrow(`${folder}: is not a folder`);
    const deeper = join(dir, 'missing', 'emulator');
    expect(() => openEmulatorState(deeper)).toThrow(/missing\/emulator: cannot be created \(ENOENT/);
  });

  it('an unreadable folder stops the emulator from starting, rather than starting empty', () => {
    if (process.getuid?.() === 0) return; // root reads anything; the process test covers the message
    mkdirSync(folder, { mode: 0o700 });
    chmodSync(folder, 0o000);
    try {
      expect(() => open()).toThrow(/cannot be read/);
    } finally {
      chmodSync(folder, 0o700);
    }
  });

  it('without a state, nothing touches the disk', () => {
    const store = new EmulatorStore(clock);
    store.create(input(), {}, 1800);
    store.reset();
    expect(existsSync(folder)).toBe(false);
  });
});
