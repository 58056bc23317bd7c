/**
 * Query parameters of the dashboard API, validated with zod. Sort columns are whitelisted per
 * list (the SQL never sees a column name the client typed); the first problem becomes a 400 that
 * names the parameter and says what would be accepted.
 */
import { z } from 'zod';
import { POSITION_STATES } from '../../domain/vocabulary.ts';
import {
  ALERT_SORTS,
  ALERT_STATUSES,
  POSITION_SORTS,
  SIGNAL_SORTS,
  SIGNAL_STATUSES,
  TRADE_SORTS,
} from '../../ports/dashboard-queries.ts';
import { invalidParameter } from './errors.ts';

export {
  ALERT_SORTS,
  ALERT_STATUSES,
  POSITION_SORTS,
  POSITION_STATES,
  SIGNAL_SORTS,
  SIGNAL_STATUSES,
  TRADE_SORTS,
};

const MAX_LIMIT = 500;

const symbol = z
  .string()
  .trim()
  .toUpperCase()
  .regex(/^[A-Z0-9]{1,12}$/, 'must be a root symbol such as ES or MNQ (letters and digits, up to 12)');

/** Epoch ms or an ISO-8601 date/time. */
const instant = z.string().transform((text, ctx) => {
  const value = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
  if (!Number.isFinite(value)) {
    ctx.addIssue({
      code: 'custom',
      message: 'must be epoch milliseconds or an ISO-8601 date such as 2026-11-21 or 2026-11-21T14:30:00Z',
    });
    return z.NEVER;
  }
  return value;
});

function wholeNumber(min: number, max: number, fallback: number) {
  return z
    .string()
    .regex(/^\d+$/, `must be a whole number from ${min} to ${max}`)
    .transform(Number)
    .pipe(z.number().int().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`))
    .default(fallback);
}

function sortOf<T extends Record<string, string>>(columns: T, fallback: keyof T & string) {
  const names = Object.keys(columns) as [keyof T & string, ...(keyof T & string)[]];
  return z.enum(names, { message: `must be one of ${names.join(', ')}` }).default(fallback);
}

const order = z.enum(['asc', 'desc'], { message: 'must be asc or desc' }).default('desc');
const page = wholeNumber(1, 1_000_000, 1);
const limit = wholeNumber(1, MAX_LIMIT, 50);

function listOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z
    .string()
    .transform((text) =>
      text
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s.length > 0),
    )
    .pipe(
      z
        .array(z.enum(values, { message: `each value must be one of ${values.join(', ')}` }))
        .min(1, `needs at least one of ${values.join(', ')}`),
    );
}

/** An account id from GET /api/accounts (the route checks it is one of them). */
const account = z.string().trim().min(1, 'must be an account id from GET /api/accounts').max(100);

export const positionsQuery = z.strictObject({
  account: account.optional(),
  symbol: symbol.optional(),
  state: listOf(POSITION_STATES).optional(),
  side: z.enum(['long', 'short'], { message: 'must be long or short' }).optional(),
  open: z.enum(['true', 'false'], { message: 'must be true or false' }).optional(),
  page,
  limit,
  sort: sortOf(POSITION_SORTS, 'openedAt'),
  order,
  token: z.string().optional(),
});

export const tradesQuery = z.strictObject({
  account: account.optional(),
  symbol: symbol.optional(),
  side: z.enum(['long', 'short'], { message: 'must be long or short' }).optional(),
  from: instant.optional(),
  to: instant.optional(),
  page,
  limit,
  sort: sortOf(TRADE_SORTS, 'exitTime'),
  order,
  token: z.string().optional(),
});

export const signalsQuery = z.strictObject({
  account: account.optional(),
  status: listOf(SIGNAL_STATUSES).optional(),
  symbol: symbol.optional(),
  from: instant.optional(),
  to: instant.optional(),
  page,
  limit,
  sort: sortOf(SIGNAL_SORTS, 'createdAt'),
  order,
  token: z.string().optional(),
});

export const alertsQuery = z.strictObject({
  status: listOf(ALERT_STATUSES).optional(),
  symbol: symbol.optional(),
  from: instant.optional(),
  to: instant.optional(),
  page,
  limit,
  sort: sortOf(ALERT_SORTS, 'receivedAt'),
  order,
  token: z.string().optional(),
});

export const kpisQuery = z.strictObject({ account: account.optional(), token: z.string().optional() });
export const liveQuery = z.strictObject({ account: account.optional(), token: z.string().optional() });
export const listQuery = z.strictObject({ page, limit, token: z.string().optional() });

export const backtestId = z
  .string()
  .regex(/^[A-Za-z0-9_.-]{1,120}$/, 'must be a backtest id from GET /api/backtests');
export const alertId = z
  .string()
  .regex(/^\d{1,15}$/, 'must be an alert id (a whole number) from GET /api/alerts');

export const controlBody = z.strictObject({
  confirm: z.string({ message: 'is required' }),
  guard: z
    .enum(['dailyLoss', 'trailingDrawdown'], { message: 'must be dailyLoss or trailingDrawdown' })
    .optional(),
  accountId: z.string().min(1).max(100).optional(),
  /** Flatten or reset on this account only (flatten-all without it acts on every account). */
  account: account.optional(),
});

/** Parse or throw a 400 naming the first bad parameter. */
export function parseParams<T extends z.ZodType>(schema: T, input: unknown, where = 'query'): z.output<T> {
  const result = schema.safeParse(input ?? {});
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  if (!issue) throw invalidParameter(where, 'is not valid');
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0] ?? where;
    throw invalidParameter(key, `is not a parameter of this ${where === 'body' ? 'request body' : 'route'}`);
  }
  const name = issue.path.length > 0 ? String(issue.path[0]) : where;
  const given =
    issue.path.length > 0 && input !== null && typeof input === 'object'
      ? (input as Record<string, unknown>)[name]
      : input;
  const message =
    given === undefined
      ? 'is required'
      : Array.isArray(given) && issue.path.length === 1 && issue.code === 'invalid_type'
        ? 'was given more than once: give it once (lists are comma-separated)'
        : issue.message;
  throw invalidParameter(name, message);
}

export type PositionsQuery = z.output<typeof positionsQuery>;
export type TradesQuery = z.output<typeof tradesQuery>;
export type SignalsQuery = z.output<typeof signalsQuery>;
export type AlertsQuery = z.output<typeof alertsQuery>;
