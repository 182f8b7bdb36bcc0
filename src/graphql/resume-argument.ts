/**
 * Whether an operation resumes a subscription (an `after` argument with a value, inline or as a
 * variable). Such a subscription replays the log from its cursor when it starts, so it cannot join
 * a shared execution (ws/shared-subscriptions.ts) started earlier with the same cursor: that one has
 * replayed already, and a late joiner would miss the replay. It runs alone.
 */
import { Kind, visit, type ExecutionArgs } from 'graphql';

export const RESUME_ARGUMENT = 'after';

export function resumesFromCursor(args: Pick<ExecutionArgs, 'document' | 'variableValues'>): boolean {
  let resumes = false;
  visit(args.document, {
    Argument(node) {
      if (node.name.value !== RESUME_ARGUMENT) return;
      if (node.value.kind === Kind.NULL) return;
      if (node.value.kind === Kind.VARIABLE) {
        const value = args.variableValues?.[node.value.name.value];
        if (value === undefined || value === null) return;
      }
      resumes = true;
    },
  });
  return resumes;
}
