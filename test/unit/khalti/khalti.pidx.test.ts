import { isPidxShaped, MAX_PIDX_LENGTH } from '../../../src/khalti/khalti.pidx';
import { khaltiId } from '../../../src/sandbox/emulator.ids';

describe('isPidxShaped', () => {
  it("accepts Khalti's shortuuid pidx values and short test ids", () => {
    expect(isPidxShaped(khaltiId())).toBe(true);
    expect(isPidxShaped('bZQLD9wRVWo4CdESSfuSsB')).toBe(true);
    expect(isPidxShaped('pidx-order-7')).toBe(true);
    expect(isPidxShaped('a'.repeat(MAX_PIDX_LENGTH))).toBe(true);
  });

  it('refuses blobs, markup, URLs, whitespace and non-strings', () => {
    for (const value of ['', 'a'.repeat(MAX_PIDX_LENGTH + 1), 'x'.repeat(100_000), '<script>', 'a b', 'https://evil.example', 'p\n', 42, null, undefined, {}]) {
      expect(isPidxShaped(value)).toBe(false);
    }
  });
});
