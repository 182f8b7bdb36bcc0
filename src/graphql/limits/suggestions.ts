/**
 * graphql-js appends "Did you mean ...?" to validation and variable errors, which spells out the
 * schema to anyone probing it with introspection off. graphql 16 has no switch for it, so in
 * production the gateway strips it from every error message it sends (HTTP and WebSocket).
 */
const SUGGESTION = /\s*Did you mean [^]*\?$/;

export function stripSuggestions(message: string): string {
  return message.replace(SUGGESTION, '');
}
