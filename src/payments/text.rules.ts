/**
 * Text the gateway can store: PostgreSQL's text refuses U+0000 outright (and SQLite would keep
 * it, so the engines would disagree). Input carrying it is refused as invalid, naming the field;
 * an identifier carrying it names nothing the gateway holds.
 */
export function containsNul(value: string): boolean {
  return value.includes('\u0000');
}

/** Every string in a value (nested objects and lists included), with its path. */
export function stringsIn(value: unknown, path: string[] = []): { path: string[]; text: string }[] {
  if (typeof value === 'string') return [{ path, text: value }];
  if (Array.isArray(value)) return value.flatMap((item, index) => stringsIn(item, [...path, String(index)]));
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([key, item]) => stringsIn(item, [...path, key]));
  return [];
}
