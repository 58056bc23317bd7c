/**
 * Reading REST request bodies the way ASP.NET model binding does: a wrong or missing required field
 * is HTTP 400 with a ProblemDetails body naming the field (the real server's shape for
 * validation failures, §4.5).
 */

export class ValidationFailure extends Error {
  constructor(readonly errors: Record<string, string[]>) {
    super(
      Object.entries(errors)
        .map(([field, messages]) => `${field}: ${messages.join(' ')}`)
        .join('; '),
    );
  }
}

export function problemDetails(errors: Record<string, string[]>): Record<string, unknown> {
  return {
    type: 'https://tools.ietf.org/html/rfc9110#section-15.5.1',
    title: 'One or more validation errors occurred.',
    status: 400,
    errors,
  };
}

export type Body = Record<string, unknown>;

export function parseBody(text: string): Body {
  if (text.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ValidationFailure({ $: ['The request body is not valid JSON; send a JSON object.'] });
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    throw new ValidationFailure({ $: ['The request body must be a JSON object.'] });
  }
  return value as Body;
}

function fail(field: string, message: string): never {
  throw new ValidationFailure({ [field]: [message] });
}

export function readInt(body: Body, field: string, required: true): number;
export function readInt(body: Body, field: string, required: false): number | undefined;
export function readInt(body: Body, field: string, required: boolean): number | undefined {
  const value = body[field];
  if (value === undefined || value === null) {
    if (required) fail(field, `The ${field} field is required (an integer).`);
    return undefined;
  }
  if (typeof value !== 'number' || !Number.isInteger(value))
    fail(field, `The ${field} field must be an integer.`);
  return value;
}

export function readNumber(body: Body, field: string): number | null | undefined {
  const value = body[field];
  if (value === undefined || value === null) return value as null | undefined;
  if (typeof value !== 'number' || !Number.isFinite(value))
    fail(field, `The ${field} field must be a number.`);
  return value;
}

export function readString(body: Body, field: string, required: true): string;
export function readString(body: Body, field: string, required: false): string | undefined;
export function readString(body: Body, field: string, required: boolean): string | undefined {
  const value = body[field];
  if (value === undefined || value === null) {
    if (required) fail(field, `The ${field} field is required (a string).`);
    return undefined;
  }
  if (typeof value !== 'string') fail(field, `The ${field} field must be a string.`);
  return value;
}

export function readBool(body: Body, field: string, required: boolean): boolean | undefined {
  const value = body[field];
  if (value === undefined || value === null) {
    if (required) fail(field, `The ${field} field is required (true or false).`);
    return undefined;
  }
  if (typeof value !== 'boolean') fail(field, `The ${field} field must be true or false.`);
  return value;
}

/** ISO-8601 date-time with an offset or Z; returns epoch ms. */
export function readTime(body: Body, field: string, required: boolean): number | undefined {
  const value = readString(body, field, false);
  if (value === undefined) {
    if (required)
      fail(field, `The ${field} field is required (an ISO-8601 date-time such as 2025-01-20T15:47:39Z).`);
    return undefined;
  }
  const ms = Date.parse(value);
  if (!Number.isFinite(ms)) fail(field, `The ${field} field must be an ISO-8601 date-time, got '${value}'.`);
  return ms;
}

export function readObject(body: Body, field: string, required: boolean): Body | undefined {
  const value = body[field];
  if (value === undefined || value === null) {
    if (required) fail(field, `The ${field} field is required (an object).`);
    return undefined;
  }
  if (typeof value !== 'object' || Array.isArray(value)) fail(field, `The ${field} field must be an object.`);
  return value as Body;
}

export function readIntList(body: Body, field: string): number[] | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'number' || !Number.isInteger(v))) {
    fail(field, `The ${field} field must be a list of integers.`);
  }
  return value as number[];
}

/** A bracket `{ticks, type}` or null. */
export function readBracket(body: Body, field: string): { ticks: number; type: number } | null {
  const value = readObject(body, field, false);
  if (!value) return null;
  const ticks = value['ticks'];
  const type = value['type'];
  if (typeof ticks !== 'number' || !Number.isInteger(ticks))
    fail(`${field}.ticks`, 'Bracket ticks must be an integer.');
  if (typeof type !== 'number' || !Number.isInteger(type))
    fail(`${field}.type`, 'Bracket type must be an OrderType integer.');
  return { ticks, type };
}
