import { DateTimeResolver } from 'graphql-scalars';
import { Field, ID, Int, ObjectType } from 'type-graphql';
import { RefundState } from './enums';

@ObjectType('Refund', { description: 'A refund requested through this gateway.' })
export class Refund {
  @Field(() => ID, { description: "This gateway's identifier for the refund." })
  id!: string;

  @Field(() => Int, {
    description:
      'Amount refunded or being refunded, in paisa (1 NPR = 100 paisa). For a full refund, what was left ' +
      'to refund when it was requested.',
  })
  amount!: number;

  @Field(() => String, {
    nullable: true,
    description: "The buyer's mobile number sent to Khalti (refunds of bank payments); null for wallet refunds.",
  })
  mobile!: string | null;

  @Field(() => RefundState, { description: 'Where the refund stands.' })
  state!: RefundState;

  @Field(() => String, {
    nullable: true,
    description:
      "Khalti's answer or the failure, as text (e.g. \"Transaction refund successful.\"); null while no answer has arrived.",
  })
  detail!: string | null;

  @Field(() => DateTimeResolver, { description: 'When the refund was requested.' })
  createdAt!: Date;
}
