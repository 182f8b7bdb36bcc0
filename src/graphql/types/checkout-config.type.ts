import { Field, ObjectType } from 'type-graphql';

@ObjectType('CheckoutConfig', {
  description: "What Khalti's client (web or mobile) SDKs need. Never contains the secret key.",
})
export class CheckoutConfig {
  @Field(() => String, {
    description: 'The Khalti environment the gateway talks to: `embedded` (built-in emulator), `sandbox` or `production`.',
  })
  environment!: string;

  @Field(() => String, {
    nullable: true,
    description: "The merchant's Khalti public key, for Khalti's client SDKs; null when not configured.",
  })
  publicKey!: string | null;

  @Field(() => String, {
    description:
      "The return_url the gateway registers with Khalti (`PUBLIC_URL`/khalti/return). Khalti's mobile SDKs need it to " +
      'recognise the end of a payment; your own returnUrl is where the gateway then sends the buyer.',
  })
  returnUrl!: string;
}
