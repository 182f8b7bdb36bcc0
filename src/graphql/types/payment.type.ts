import { DateTimeResolver } from 'graphql-scalars';
import { Field, ID, Int, ObjectType } from 'type-graphql';
import { AuditEntry } from './audit-entry.type';
import { PaymentStatus } from './enums';
import { Refund } from './refund.type';

@ObjectType('Payment', {
  description:
    "A payment initiated through this gateway, as last verified with Khalti's lookup. Deliver the goods only when " +
    '`paid` is true.',
})
export class Payment {
  @Field(() => ID, { description: "Khalti's payment identifier." })
  pidx!: string;

  @Field(() => String, { description: 'Your order identifier, as given to initiatePayment; unique across payments.' })
  purchaseOrderId!: string;

  @Field(() => String, { description: 'Your order name, as given to initiatePayment.' })
  purchaseOrderName!: string;

  @Field(() => Int, { description: 'Amount initiated, in paisa (1 NPR = 100 paisa).' })
  amount!: number;

  @Field(() => Int, {
    nullable: true,
    description:
      "Amount Khalti's lookup reports, in paisa (1 NPR = 100 paisa). Null until a lookup has reported it.",
  })
  totalAmount!: number | null;

  @Field(() => PaymentStatus, {
    description: "Status from Khalti's latest lookup. Decide delivery on `paid`, not on this alone.",
  })
  status!: PaymentStatus;

  @Field(() => Boolean, {
    description:
      'True only when status is COMPLETED, totalAmount equals amount and nothing has been refunded. The only signal to ' +
      'deliver the goods.',
  })
  paid!: boolean;

  @Field(() => Boolean, {
    description:
      "True when Khalti's lookup reported a totalAmount different from amount; `paid` is then false. " +
      'Investigate before delivering anything.',
  })
  amountMismatch!: boolean;

  @Field(() => String, {
    nullable: true,
    description: "Khalti's transaction id; null until Khalti reports one. Refunds are made against it.",
  })
  transactionId!: string | null;

  @Field(() => Int, {
    nullable: true,
    description: "Khalti's fee for this payment, in paisa (1 NPR = 100 paisa); null until a lookup has reported it.",
  })
  fee!: number | null;

  @Field(() => Boolean, { description: "Khalti's lookup reports that this payment has been refunded, fully or in part." })
  refunded!: boolean;

  @Field(() => Int, {
    description: 'Total of the refunds through this gateway that succeeded, in paisa (1 NPR = 100 paisa); 0 if none.',
  })
  refundedAmount!: number;

  @Field(() => Boolean, {
    description:
      'True when Khalti reported the payment Completed after the gateway had given up on it (recorded it EXPIRED, ' +
      'canceled or failed). The buyer paid: deliver, or refund if the order is gone.',
  })
  lateCompletion!: boolean;

  @Field(() => String, {
    description: "Khalti's payment page for this payment: send the buyer there. Usable until expiresAt.",
  })
  paymentUrl!: string;

  @Field(() => String, {
    description:
      'Your own return URL, as given to initiatePayment. Once the gateway has verified the payment with Khalti it ' +
      'redirects the buyer there with pidx, status, purchase_order_id and paid in the query string; confirm with the ' +
      '`payment` query before delivering.',
  })
  returnUrl!: string;

  @Field(() => DateTimeResolver, {
    description: 'When the payment link expires; a payment not paid by then ends EXPIRED.',
  })
  expiresAt!: Date;

  @Field(() => DateTimeResolver, { description: 'When this gateway initiated the payment.' })
  createdAt!: Date;

  @Field(() => DateTimeResolver, { description: 'When this gateway last changed its record of the payment.' })
  updatedAt!: Date;

  @Field(() => [Refund], {
    nullable: true,
    description:
      'Refunds requested through this gateway for this payment. Admin only: for other keys it is null with a FORBIDDEN ' +
      'error on this field, and the rest of the answer is still returned.',
  })
  refunds!: Refund[] | null;

  @Field(() => [AuditEntry], {
    nullable: true,
    description:
      'Audit log entries for this payment: every call to Khalti, status change and refund. Admin only: for other keys it ' +
      'is null with a FORBIDDEN error on this field, and the rest of the answer is still returned.',
  })
  auditLog!: AuditEntry[] | null;
}
