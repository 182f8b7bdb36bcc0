import { Field, ID, InputType, Int } from 'type-graphql';

@InputType('RefundInput', { description: 'A refund of a paid payment, in full or in part. Admin only.' })
export class RefundInput {
  @Field(() => ID, { description: 'The payment to refund.' })
  pidx!: string;

  @Field(() => Int, {
    nullable: true,
    description: 'Amount to refund, in paisa (1 NPR = 100 paisa). Omit for a full refund of what is left.',
  })
  amount?: number | null;

  @Field(() => String, {
    nullable: true,
    description:
      "The buyer's mobile number. Required for refunds of bank payments (banking modes); omit for Khalti wallet payments.",
  })
  mobile?: string | null;

  @Field(() => String, {
    nullable: true,
    description:
      'Your key for this refund request. Sending the same request with the same key again replays the first ' +
      'outcome instead of refunding twice; the same key with different fields is IDEMPOTENCY_KEY_REUSED.',
  })
  idempotencyKey?: string | null;
}
