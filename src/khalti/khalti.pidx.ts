/**
 * What a pidx looks like. Khalti's are Python shortuuid strings (22 letters and digits); the
 * gateway accepts a little more room than that (letters, digits, `-` and `_`, at most 64) so a
 * change of width upstream does not stop payments, but never an arbitrary blob: a pidx is stored,
 * logged, put in URLs and compared, and a 100 kB "pidx" from a broken upstream or a hostile query
 * string must go no further than the check.
 */
export const MAX_PIDX_LENGTH = 64;
const PIDX_SHAPE = /^[A-Za-z0-9_-]{1,64}$/;

export function isPidxShaped(value: unknown): value is string {
  return typeof value === 'string' && PIDX_SHAPE.test(value);
}
