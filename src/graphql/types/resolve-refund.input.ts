import { Field, ID, InputType } from 'type-graphql';
import { RefundState } from './enums';

@InputType('ResolveRefundInput', {
  description:
    'Settles a refund whose outcome is UNKNOWN, after checking the Khalti dashboard. Admin only; recorded in the audit log ' +
    "with the admin's key id and the note.",
})
export class ResolveRefundInput {
  @Field(() => ID, { description: 'The UNKNOWN refund (Refund.id).' })
  refundId!: string;

  @Field(() => RefundState, {
    description: 'SUCCEEDED if the dashboard shows the refund, FAILED if it does not (this frees the balance for another refund).',
  })
  state!: RefundState;

  @Field(() => String, { description: 'What you checked, for the audit log (1 to 1000 characters). No personal data.' })
  note!: string;
}
