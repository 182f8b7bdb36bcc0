/**
 * Compile-time proof that src/db/schema.ts (SQLite) and src/db/postgres/schema.ts give the services
 * the same rows: code typed against the SQLite row types (PaymentRow, NewRefundRow, ...) reads and
 * writes PostgreSQL unchanged. `tsc --noEmit` fails here when one schema changes without the other.
 * Nothing to run: this module only holds types.
 */
import type * as sqlite from '../schema';
import type * as postgres from './schema';

/** True only when A and B are mutually assignable in every position (not merely compatible). */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Assert<T extends true> = T;

type Tables =
  | 'payments'
  | 'refunds'
  | 'initiations'
  | 'auditLog'
  | 'webhookEndpoints'
  | 'webhookEvents'
  | 'webhookDeliveries'
  | 'webhookAttempts';
type Select<S, K extends Tables> = S extends Record<K, { $inferSelect: infer R }> ? R : never;
type Insert<S, K extends Tables> = S extends Record<K, { $inferInsert: infer R }> ? R : never;

type SameSelect<K extends Tables> = Equal<Select<typeof sqlite, K>, Select<typeof postgres, K>>;
type SameInsert<K extends Tables> = Equal<Insert<typeof sqlite, K>, Insert<typeof postgres, K>>;

export type SchemaParity = [
  Assert<SameSelect<'payments'>>,
  Assert<SameSelect<'refunds'>>,
  Assert<SameSelect<'initiations'>>,
  Assert<SameSelect<'auditLog'>>,
  Assert<SameSelect<'webhookEndpoints'>>,
  Assert<SameSelect<'webhookEvents'>>,
  Assert<SameSelect<'webhookDeliveries'>>,
  Assert<SameSelect<'webhookAttempts'>>,
  Assert<SameInsert<'payments'>>,
  Assert<SameInsert<'refunds'>>,
  Assert<SameInsert<'initiations'>>,
  Assert<SameInsert<'webhookEndpoints'>>,
  Assert<SameInsert<'webhookEvents'>>,
  Assert<SameInsert<'webhookDeliveries'>>,
  Assert<Equal<Omit<Insert<typeof sqlite, 'webhookAttempts'>, 'id'>, Insert<typeof postgres, 'webhookAttempts'>>>,
  // The one difference: PostgreSQL's audit_log.id is GENERATED ALWAYS, so its insert type has no id
  // (an explicit one is refused), where SQLite's has an optional one. The services never set it.
  Assert<Equal<Omit<Insert<typeof sqlite, 'auditLog'>, 'id'>, Insert<typeof postgres, 'auditLog'>>>,
  Assert<Equal<Insert<typeof sqlite, 'auditLog'>['id'], number | undefined>>,
];
