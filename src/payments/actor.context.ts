/**
 * Who is acting, carried through async calls so that the Khalti client's audit hook (which knows
 * nothing of GraphQL or callers) can attribute each upstream call. Actors are API key ids
 * (never keys), 'buyer' for the return route, or 'system' for the reconciler.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

const storage = new AsyncLocalStorage<string>();

export function runAs<T>(actor: string, fn: () => T): T {
  return storage.run(actor, fn);
}

export function currentActor(): string | undefined {
  return storage.getStore();
}

export const SYSTEM_ACTOR = 'system';
export const BUYER_ACTOR = 'buyer';
