/**
 * One error type for every store adapter. Messages say which operation failed, what was wrong
 * (column, constraint, value kind) and how to fix it, and never carry query parameters: a raw
 * alert body or a settings row must not end up in a log through an error.
 */

export class StoreError extends Error {
  override readonly name = 'StoreError';
  constructor(
    /** The Store method that failed, e.g. "insertAlert". */
    readonly operation: string,
    /** PostgreSQL SQLSTATE, PostgREST code, or a local code ("invalid_input", "connection"). */
    readonly code: string,
    message: string,
    /** True when the same write may succeed later (connection lost, deadlock); false for bad input. */
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

interface DatabaseErrorLike {
  readonly code?: unknown;
  readonly message?: unknown;
  readonly detail?: unknown;
  readonly details?: unknown;
  readonly hint?: unknown;
  readonly constraint?: unknown;
  readonly column?: unknown;
  readonly table?: unknown;
}

const RETRYABLE_NODE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/** Whether a SQLSTATE (or node/network code) describes a transient condition. */
export function isRetryableCode(code: string): boolean {
  return (
    code.startsWith('08') || // connection exception
    code.startsWith('53') || // insufficient resources
    code.startsWith('57') || // operator intervention (shutdown)
    code === '40001' || // serialization failure
    code === '40P01' || // deadlock
    code === 'connection' ||
    /^PGRST00[0-3]$/.test(code) || // PostgREST cannot reach the database
    RETRYABLE_NODE_CODES.has(code)
  );
}

function fixFor(code: string, e: DatabaseErrorLike): string | undefined {
  const column = text(e.column);
  // PostgREST sends no constraint field: take the name from the message.
  const constraint = text(e.constraint) ?? /constraint "([^"]+)"/.exec(text(e.message) ?? '')?.[1];
  switch (code) {
    case '23505':
      return 'the row already exists; use a new key or treat the write as a duplicate';
    case '23503':
      return 'write the referenced row first (alert before signal, signal before position)';
    case '23502':
      return column ? `give "${column}" a value` : 'give every required field a value';
    case '23514':
      return constraint
        ? `change the value so that rule "${constraint}" holds`
        : 'change the value to fit the rule';
    case '22P02':
    case '22023':
      return 'use one of the allowed values (see the Store port types)';
    case '22003':
      return 'the number is out of range for its column';
    case '42P01':
    case '42883':
      return 'the database schema is missing or old: run the migrations (store.migrate(), or `supabase db push`)';
    case 'PGRST202':
    case 'PGRST205':
      return 'the Supabase schema is missing or old: run `supabase db push` from this repository';
    default:
      return undefined;
  }
}

/** Convert whatever a driver threw into a StoreError that is safe to log. */
export function toStoreError(operation: string, error: unknown): StoreError {
  if (error instanceof StoreError) return error;
  const e = (typeof error === 'object' && error !== null ? error : {}) as DatabaseErrorLike;
  const base = text(e.message) ?? String(error);
  const networkFailure =
    error instanceof TypeError || /fetch failed|ECONNREFUSED|ECONNRESET|socket hang up/i.test(base);
  const code = text(e.code) ?? (networkFailure ? 'connection' : 'unknown');
  const parts = [`${operation} failed: ${base}`];
  // Only key details (unique / foreign key) are quoted: other details can echo a whole row.
  const detail = text(e.detail) ?? text(e.details);
  if (detail && (code === '23505' || code === '23503')) parts.push(`(${detail})`);
  const hint = text(e.hint);
  const fix = fixFor(code, e) ?? hint;
  if (fix) parts.push(`— fix: ${fix}`);
  return new StoreError(operation, code, parts.join(' '), isRetryableCode(code));
}

/** A local validation error before anything reaches the database. */
export function invalidInput(operation: string, field: string, problem: string): StoreError {
  return new StoreError(operation, 'invalid_input', `${operation} failed: ${field} ${problem}`, false);
}
