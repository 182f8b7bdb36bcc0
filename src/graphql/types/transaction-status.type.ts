import { Field, ObjectType } from 'type-graphql';

@ObjectType('TransactionStatus', {
  description:
    "A transaction's status from Khalti's legacy (KPG-1) status API, looked up by token and amount, passed on as Khalti sent it.",
})
export class TransactionStatus {
  @Field(() => Boolean, { description: "Khalti's `status` flag, as sent." })
  status!: boolean;

  @Field(() => String, {
    description:
      "Khalti's state, as sent: Complete, Error, Failed, Initiated, Confirmed, Refunded or Partially refunded. " +
      'Only Complete means paid.',
  })
  state!: string;

  @Field(() => String, { description: "Khalti's explanation, as sent." })
  detail!: string;
}
