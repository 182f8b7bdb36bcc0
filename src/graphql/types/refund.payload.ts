import { Field, ObjectType } from 'type-graphql';
import { Payment } from './payment.type';
import { Refund } from './refund.type';
import { UserError } from './user-error.type';

@ObjectType('RefundPayload', {
  description: 'Result of `refund`: the refund recorded and the payment it concerns, or userErrors to fix.',
})
export class RefundPayload {
  @Field(() => Refund, {
    nullable: true,
    description: 'The refund, with its state (check it: UNKNOWN is settled later, by lookup); null when there are userErrors.',
  })
  refund!: Refund | null;

  @Field(() => Payment, { nullable: true, description: 'The refunded payment, as it is now; null when there are userErrors.' })
  payment!: Payment | null;

  @Field(() => [UserError], { description: 'Problems with the input; empty when the refund was recorded.' })
  userErrors!: UserError[];
}
