/**
 * Khalti's API is Django REST Framework. Its validation messages, error envelopes and input
 * coercions are DRF's, so the emulator reuses DRF's exact wording and rules here, in one place:
 * a client that copes with the emulator then copes with Khalti's messages it has not seen yet.
 */
import type { ApiResult } from './emulator.types';

export const MSG = {
  required: 'This field is required.',
  blank: 'This field may not be blank.',
  null: 'This field may not be null.',
  notString: 'Not a valid string.',
  url: 'Enter a valid URL.',
  integer: 'A valid integer is required.',
  notFound: 'Not found.',
  minValue: (min: number) => `Ensure this value is greater than or equal to ${min}.`,
  maxValue: (max: number) => `Ensure this value is less than or equal to ${max}.`,
  choice: (value: unknown) => `"${String(value)}" is not a valid choice.`,
  notAList: (value: unknown) => `Expected a list of items but got type "${pythonType(value)}".`,
  notADict: (value: unknown) => `Invalid data. Expected a dictionary, but got ${pythonType(value)}.`,
  doesNotExist: (slug: string, value: unknown) => `Object with ${slug}=${String(value)} does not exist.`,
} as const;

/** DRF names the offending type the Python way ("str", "dict", ...). */
export function pythonType(value: unknown): string {
  if (value === null || value === undefined) return 'NoneType';
  if (typeof value === 'string') return 'str';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float';
  if (Array.isArray(value)) return 'list';
  return 'dict';
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A field's errors: a list of messages, or (nested serializers) an object/list of those. */
export type FieldError = string[] | Record<string, unknown> | unknown[];
export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string[] };

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const fail = <T>(...messages: string[]): Parsed<T> => ({ ok: false, error: messages });

/**
 * DRF CharField: numbers are turned into strings, booleans/lists/objects are refused, surrounding
 * whitespace is trimmed (trim_whitespace=True) before the blank check.
 */
export function parseString(value: unknown, opts: { allowBlank?: boolean } = {}): Parsed<string> {
  if (value === undefined) return fail(MSG.required);
  if (value === null) return fail(MSG.null);
  if (typeof value === 'boolean' || typeof value === 'object') return fail(MSG.notString);
  const text = String(value).trim();
  if (text === '' && !opts.allowBlank) return fail(MSG.blank);
  return ok(text);
}

/**
 * DRF IntegerField: `int(re.sub(r'\.0*\s*$', '', str(data)))`. So 1000, "1000", " 1000 " and
 * "1000.00" pass; 10.5, "abc", "" and true (str(True) is "True") do not.
 */
export function parseInteger(value: unknown): Parsed<number> {
  if (value === undefined) return fail(MSG.required);
  if (value === null) return fail(MSG.null);
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || !Number.isInteger(value)) return fail(MSG.integer);
    return boundedInteger(value);
  }
  if (typeof value !== 'string') return fail(MSG.integer);
  const match = /^\s*([+-]?\d+)(?:\.0*)?\s*$/.exec(value);
  if (!match) return fail(MSG.integer);
  return boundedInteger(Number(match[1]));
}

/** Python integers are unbounded; ours are not. Past 2^53 amounts would silently lose paisa. */
function boundedInteger(n: number): Parsed<number> {
  if (n > Number.MAX_SAFE_INTEGER) return fail(MSG.maxValue(Number.MAX_SAFE_INTEGER));
  if (n < -Number.MAX_SAFE_INTEGER) return fail(MSG.minValue(-Number.MAX_SAFE_INTEGER));
  return ok(n);
}

/** `400 {"<field>": [...], "error_key": "validation_error"}`: Khalti's validation envelope. */
export function validationError(errors: Record<string, FieldError>): ApiResult {
  return { status: 400, body: { ...errors, error_key: 'validation_error' } };
}

/**
 * `{"detail": "...", "error_key": "validation_error"}`: how Khalti wraps every non-auth error it
 * documents ("Not found." included), so the emulator wraps its own undocumented ones the same way.
 */
export function detailError(status: number, detail: string): ApiResult {
  return { status, body: { detail, error_key: 'validation_error' } };
}

export const notFound = (): ApiResult => detailError(404, MSG.notFound);
