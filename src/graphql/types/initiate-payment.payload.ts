import { Field, ObjectType } from 'type-graphql';
import { Payment } from './payment.type';
import { UserError } from './user-error.type';

@ObjectType('InitiatePaymentPayload', {
  description: 'Result of `initiatePayment`: either a payment to send the buyer to, or userErrors to fix.',
})
export class InitiatePaymentPayload {
  @Field(() => Payment, {
    nullable: true,
    description:
      'The payment created, or the existing one when an identical initiate is repeated; null when there are userErrors.',
  })
  payment!: Payment | null;

  @Field(() => String, {
    nullable: true,
    description: "Khalti's payment page: send the buyer there. Same as `payment.paymentUrl`; null when there are userErrors.",
  })
  paymentUrl!: string | null;

  @Field(() => [UserError], { description: 'Problems with the input; empty on success.' })
  userErrors!: UserError[];
}
