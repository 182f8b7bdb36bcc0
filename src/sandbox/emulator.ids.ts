import { randomInt } from 'node:crypto';

/**
 * Khalti's identifiers (pidx, transaction ids) look like Python `shortuuid` output: 22 characters
 * from a 57-letter alphabet without look-alikes (0, 1, I, O, l). Clients sometimes validate or
 * store them with fixed widths, so the emulator produces the same shape.
 */
export const SHORTUUID_ALPHABET = '23456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

export function khaltiId(length = 22): string {
  let out = '';
  for (let i = 0; i < length; i++) out += SHORTUUID_ALPHABET[randomInt(SHORTUUID_ALPHABET.length)];
  return out;
}

/** Per-login session token for the payment page: unguessable, so a form cannot be replayed by guessing. */
export function sessionToken(): string {
  return khaltiId(32);
}
