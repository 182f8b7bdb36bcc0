import { DateTimeResolver } from 'graphql-scalars';
import { Field, ID, ObjectType } from 'type-graphql';
import { PaymentStatus, StatusSource } from './enums';
import { Payment } from './payment.type';

@ObjectType('PaymentStatusChange', {
  description:
    "A payment's status changed. Each change is published once, however many lookups, callbacks or reconciler passes see it.",
})
export class PaymentStatusChange {
  @Field(() => ID, { description: "Khalti's identifier of the payment that changed." })
  pidx!: string;

  @Field(() => PaymentStatus, { nullable: true, description: 'Status before the change; null when the payment was just created.' })
  previousStatus!: PaymentStatus | null;

  @Field(() => PaymentStatus, { description: 'Status after the change. Deliver on `payment.paid`, not on this alone.' })
  status!: PaymentStatus;

  @Field(() => StatusSource, { description: 'What led the gateway to observe the change.' })
  source!: StatusSource;

  @Field(() => DateTimeResolver, { description: 'When the gateway observed the change.' })
  occurredAt!: Date;

  @Field(() => Payment, {
    description: 'The payment as it is after the change; for a change replayed from the log (`after`), the payment as it is now.',
  })
  payment!: Payment;

  @Field(() => String, {
    description:
      "This change's position in the change log, opaque and stable. Pass it as `after` to paymentStatusChanged to receive every later change, from the log, then live.",
  })
  cursor!: string;
}
