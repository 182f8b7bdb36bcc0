import { Field, InputType, Int } from 'type-graphql';
import { PaymentMode } from './enums';

@InputType('CustomerInfoInput', { description: "The buyer's details, passed on to Khalti. All optional." })
export class CustomerInfoInput {
  @Field(() => String, { nullable: true, description: "The buyer's name." })
  name?: string | null;

  @Field(() => String, { nullable: true, description: "The buyer's email address." })
  email?: string | null;

  @Field(() => String, { nullable: true, description: "The buyer's phone number." })
  phone?: string | null;
}

@InputType('AmountBreakdownInput', {
  description: 'One part of the amount (e.g. subtotal, VAT, delivery). The parts must add up to `amount`.',
})
export class AmountBreakdownInput {
  @Field(() => String, { description: 'What this part is, e.g. "VAT"; shown to the buyer.' })
  label!: string;

  @Field(() => Int, { description: 'This part, in paisa (1 NPR = 100 paisa).' })
  amount!: number;
}

@InputType('ProductDetailInput', { description: 'One product in the order, passed on to Khalti.' })
export class ProductDetailInput {
  @Field(() => String, { description: 'Your identifier of the product, e.g. its SKU.' })
  identity!: string;

  @Field(() => String, { description: 'Name of the product.' })
  name!: string;

  @Field(() => Int, { description: 'unitPrice × quantity, in paisa (1 NPR = 100 paisa).' })
  totalPrice!: number;

  @Field(() => Int, { description: 'Number of units.' })
  quantity!: number;

  @Field(() => Int, { description: 'Price of one unit, in paisa (1 NPR = 100 paisa).' })
  unitPrice!: number;
}

@InputType('MerchantExtraInput', {
  description: 'A custom field of yours, sent to Khalti as `merchant_<key>`.',
})
export class MerchantExtraInput {
  @Field(() => String, {
    description: 'Name without the `merchant_` prefix: `order_source` is sent as `merchant_order_source`.',
  })
  key!: string;

  @Field(() => String, { description: 'Value, sent as given.' })
  value!: string;
}

@InputType('InitiatePaymentInput', {
  description: 'What to charge the buyer for and where to send them back. Amounts are in paisa (1 NPR = 100 paisa).',
})
export class InitiatePaymentInput {
  @Field(() => String, {
    description:
      'Your own URL where the buyer lands after paying or canceling, once the gateway has verified the payment with ' +
      "Khalti (Khalti itself is given the gateway's return route). The gateway appends pidx, status, purchase_order_id " +
      'and paid; confirm with the `payment` query before delivering.',
  })
  returnUrl!: string;

  @Field(() => String, { description: "Your website's URL, passed on to Khalti." })
  websiteUrl!: string;

  @Field(() => Int, {
    description:
      'Amount to charge, in paisa (1 NPR = 100 paisa). At least 1000 (NPR 10); at least 10000 (NPR 100) when a ' +
      'banking mode is requested.',
  })
  amount!: number;

  @Field(() => String, {
    description:
      'Your unique order identifier. Repeating an initiate with identical fields returns the same payment; the same ' +
      'purchaseOrderId with different fields is DUPLICATE_PURCHASE_ORDER.',
  })
  purchaseOrderId!: string;

  @Field(() => String, { description: 'Your name for the order, shown to the buyer.' })
  purchaseOrderName!: string;

  @Field(() => CustomerInfoInput, { nullable: true, description: "The buyer's details, passed on to Khalti." })
  customerInfo?: CustomerInfoInput | null;

  @Field(() => [AmountBreakdownInput], {
    nullable: true,
    description: 'Parts of the amount shown to the buyer (e.g. subtotal, VAT); their amounts must add up to `amount`.',
  })
  amountBreakdown?: AmountBreakdownInput[] | null;

  @Field(() => [ProductDetailInput], { nullable: true, description: 'The products in the order, passed on to Khalti.' })
  productDetails?: ProductDetailInput[] | null;

  @Field(() => [MerchantExtraInput], {
    nullable: true,
    description: 'Custom fields of yours, each sent to Khalti as `merchant_<key>`.',
  })
  merchantExtra?: MerchantExtraInput[] | null;

  @Field(() => [PaymentMode], {
    nullable: true,
    description: "Payment modes to offer the buyer; omit to let Khalti offer its defaults.",
  })
  modes?: PaymentMode[] | null;

  @Field(() => String, {
    nullable: true,
    description: 'A `Bank.idx` from the `banks` query, to preselect the buyer\'s bank for a banking mode.',
  })
  bank?: string | null;

  @Field(() => Int, {
    nullable: true,
    description: "How long the payment link stays valid, in seconds; omit for Khalti's default.",
  })
  ttl?: number | null;

  @Field(() => String, {
    nullable: true,
    description:
      "A JWT the merchant's backend signed (HS256, MERCHANT_SECRET) with claims purchaseOrderId, amount, exp (at most an hour " +
      'ahead) and optionally returnUrl, equal to this input. Required with a client key; server and admin keys may omit it ' +
      '(one they send is checked all the same). Wrong or missing: userError CHECKOUT_TOKEN_INVALID.',
  })
  checkoutToken?: string | null;
}
