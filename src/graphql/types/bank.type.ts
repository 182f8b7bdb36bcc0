import { Field, ID, ObjectType } from 'type-graphql';

@ObjectType('Bank', {
  description: 'A bank from the lists Khalti publishes; offer these to the buyer and pass the chosen idx as `bank`.',
})
export class Bank {
  @Field(() => ID, { description: "Khalti's bank identifier: pass it as `InitiatePaymentInput.bank`." })
  idx!: string;

  @Field(() => String, { description: 'Name of the bank.' })
  name!: string;

  @Field(() => String, { nullable: true, description: 'Short name; null when Khalti has none.' })
  shortName!: string | null;

  @Field(() => String, { nullable: true, description: "URL of the bank's logo image; null when Khalti has none." })
  logo!: string | null;

  @Field(() => String, { nullable: true, description: 'SWIFT (BIC) code; null when Khalti has none.' })
  swiftCode!: string | null;

  @Field(() => Boolean, { description: 'The bank offers internet banking (mode EBANKING).' })
  hasEbanking!: boolean;

  @Field(() => Boolean, { description: 'The bank offers mobile banking checkout.' })
  hasMobileCheckout!: boolean;

  @Field(() => Boolean, { description: 'The bank offers mobile banking (mode MOBILE_BANKING).' })
  hasMobileBanking!: boolean;

  @Field(() => Boolean, { description: 'The bank offers card payment.' })
  hasCardPayment!: boolean;
}
