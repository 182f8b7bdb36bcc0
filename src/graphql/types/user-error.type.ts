import { Field, ObjectType } from 'type-graphql';
import { UserErrorCode } from './enums';

@ObjectType('UserError', {
  description: 'A problem with the input that the caller can fix. When a payload has userErrors, nothing was written.',
})
export class UserError {
  @Field(() => [String], {
    nullable: true,
    description:
      "Path to the input field at fault, from the mutation's argument down, e.g. `[\"input\", \"amount\"]`; " +
      'null when no single field is at fault.',
  })
  field!: string[] | null;

  @Field(() => String, {
    description: "Human-readable explanation (Khalti's own wording where Khalti produced it). Do not parse it.",
  })
  message!: string;

  @Field(() => UserErrorCode, { description: 'Machine-readable reason: switch on this, not on `message`.' })
  code!: UserErrorCode;
}
