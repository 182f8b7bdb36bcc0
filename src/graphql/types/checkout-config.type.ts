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
}
