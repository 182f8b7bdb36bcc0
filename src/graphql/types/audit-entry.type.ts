import { DateTimeResolver, JSONResolver } from 'graphql-scalars';
import { Field, ID, Int, ObjectType } from 'type-graphql';

@ObjectType('AuditEntry', {
  description:
    'One row of the append-only audit log: a call to Khalti, a status change or a refund. Entries are never ' +
    'updated or deleted. Admin only.',
})
export class AuditEntry {
  @Field(() => ID, { description: 'Identifier of the entry; entries are numbered in the order they were written.' })
  id!: string;

  @Field(() => DateTimeResolver, { description: 'When it happened.' })
  at!: Date;

  @Field(() => String, {
    description:
      'Kind of entry: `upstream` (a call to Khalti), `status_change`, `refund`, `privacy` (erasePersonalData) or ' +
      '`security` (a refused buyer return for an unknown or malformed pidx).',
  })
  kind!: string;

  @Field(() => String, {
    description:
      'What was done, in lowercase snake_case. `upstream`: the Khalti call (`initiate`, `lookup`, `refund`, `banks`, ' +
      '`transaction_status`); `status_change`: what led the gateway to see it (`initiate`, `lookup`, `callback`, `reconciler`, ' +
      '`refund`); `refund`: the step (`refund_requested`, `refund_succeeded`, `refund_failed`, `refund_outcome_unknown`, ' +
      '`refund_resolved`); `privacy`: `personal_data_erased`; `security`: `return_unknown_pidx`, `return_malformed_pidx`, ' +
      '`security_events_suppressed`.',
  })
  operation!: string;

  @Field(() => String, { nullable: true, description: 'The payment concerned; null when none (e.g. a bank list call).' })
  pidx!: string | null;

  @Field(() => String, {
    nullable: true,
    description:
      "Who caused it: the caller's API key id (never the key itself), `system` or `buyer`; null when not recorded.",
  })
  actor!: string | null;

  @Field(() => Int, {
    nullable: true,
    description: 'HTTP status Khalti answered with; null when no response arrived or the entry is not a call to Khalti.',
  })
  httpStatus!: number | null;

  @Field(() => Int, {
    nullable: true,
    description: 'How long the call to Khalti took, in milliseconds; null when the entry is not a call to Khalti.',
  })
  durationMs!: number | null;

  @Field(() => String, {
    nullable: true,
    description:
      'The specifics as JSON text (request, response, error, statuses before and after), with secrets redacted; ' +
      'parse it with JSON.parse. Null when there is nothing more to say.',
  })
  detail!: string | null;

  @Field(() => JSONResolver, {
    nullable: true,
    description: 'The same specifics as `detail`, as a JSON object rather than a string to parse. Null when there is nothing more to say.',
  })
  detailJson!: unknown;
}
