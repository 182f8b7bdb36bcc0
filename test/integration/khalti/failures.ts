/**
 * Awaits calls that must fail, and keeps every error they produced, so a suite can check at the
 * end that none of them carries the secret key.
 */
import { KhaltiUnavailableError, type UnavailableReason } from '../../../src/khalti/khalti.errors';

export function failureCollector() {
  const produced: unknown[] = [];

  async function failure(promise: Promise<unknown>): Promise<unknown> {
    try {
      await promise;
    } catch (err) {
      produced.push(err);
      return err;
    }
    throw new Error('expected the call to fail');
  }

  async function unavailable(promise: Promise<unknown>, reason: UnavailableReason): Promise<KhaltiUnavailableError> {
    const err = await failure(promise);
    expect(err).toBeInstanceOf(KhaltiUnavailableError);
    expect((err as KhaltiUnavailableError).reason).toBe(reason);
    return err as KhaltiUnavailableError;
  }

  return { produced, failure, unavailable };
}
