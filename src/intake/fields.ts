/**
 * Field access across dialects: a parsed body is flattened to lower-case dotted paths
 * (`{"strategy":{"order_action":"buy"}}` → `strategy.order_action`; a literal key
 * `"strategy.order.action"` stays as is), then each NormalizedAlert field is read from the first
 * alias present. Values may be quoted or bare, in any casing.
 */
import type { FieldTree, FieldValue } from './body.ts';

export type FlatFields = ReadonlyMap<string, FieldValue>;

export function flatten(tree: FieldTree): Map<string, FieldValue> {
  const out = new Map<string, FieldValue>();
  const walk = (value: FieldValue, path: string, depth: number): void => {
    if (depth > 8) return; // deeper nesting carries nothing we read
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      for (const [k, v] of Object.entries(value))
        walk(v, path ? `${path}.${k.toLowerCase()}` : k.toLowerCase(), depth + 1);
      return;
    }
    if (Array.isArray(value)) {
      value.forEach((v, i) => {
        walk(v, `${path}[${i}]`, depth + 1);
      });
      return;
    }
    if (!out.has(path)) out.set(path, value);
  };
  walk(tree, '', 0);
  return out;
}

export type FieldError = { readonly field: string; readonly error: string };
export type Read<T> =
  | { readonly ok: true; readonly value: T | undefined; readonly field?: string }
  | ({ readonly ok: false } & FieldError);

/** First alias that is present (not null, not an empty or whitespace string counts as present for error purposes). */
export function pick(
  fields: FlatFields,
  aliases: readonly string[],
): { field: string; value: FieldValue } | undefined {
  for (const alias of aliases) {
    if (fields.has(alias)) {
      const value = fields.get(alias);
      if (value === null || value === undefined) continue;
      return { field: alias, value };
    }
  }
  return undefined;
}

/** Every present alias with a distinct textual value, to detect fields that disagree. */
export function conflicting(fields: FlatFields, aliases: readonly string[]): string[] | undefined {
  const seen = new Map<string, string>();
  for (const alias of aliases) {
    const v = fields.get(alias);
    if (v === null || v === undefined || typeof v === 'object') continue;
    const text = String(v).trim().toLowerCase();
    if (text === '') continue;
    seen.set(alias, text);
  }
  const distinct = new Set(seen.values());
  return distinct.size > 1 ? [...seen.keys()] : undefined;
}

const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/** A finite number from a bare or quoted value; "", "abc", NaN and Infinity are errors. */
export function readNumber(fields: FlatFields, aliases: readonly string[], what: string): Read<number> {
  const hit = pick(fields, aliases);
  if (!hit) return { ok: true, value: undefined };
  const { field, value } = hit;
  let n: number;
  if (typeof value === 'number') n = value;
  else if (typeof value === 'string' && DECIMAL.test(value.trim())) n = Number(value.trim());
  else {
    const shown = typeof value === 'string' ? `"${value.slice(0, 40)}"` : JSON.stringify(value)?.slice(0, 40);
    return {
      ok: false,
      field,
      error: `${what} field "${field}" is ${shown}, not a number — send a plain decimal such as 6335.25 (quoted or bare)`,
    };
  }
  if (!Number.isFinite(n)) {
    return {
      ok: false,
      field,
      error: `${what} field "${field}" is not a finite number — send a plain decimal such as 6335.25`,
    };
  }
  return { ok: true, value: n, field };
}

/** A positive whole number of contracts. */
export function readQuantity(fields: FlatFields, aliases: readonly string[]): Read<number> {
  const r = readNumber(fields, aliases, 'quantity');
  if (!r.ok || r.value === undefined) return r;
  if (r.value <= 0 || !Number.isSafeInteger(r.value)) {
    return {
      ok: false,
      field: r.field ?? aliases[0] ?? 'quantity',
      error: `quantity field "${r.field}" is ${r.value} — send a whole number of contracts greater than 0`,
    };
  }
  return r;
}

/** A boolean from true/false, quoted or bare, any casing. */
export function readBoolean(fields: FlatFields, aliases: readonly string[]): Read<boolean> {
  const hit = pick(fields, aliases);
  if (!hit) return { ok: true, value: undefined };
  const { field, value } = hit;
  if (typeof value === 'boolean') return { ok: true, value, field };
  if (typeof value === 'string') {
    const t = value.trim().toLowerCase();
    if (t === 'true') return { ok: true, value: true, field };
    if (t === 'false') return { ok: true, value: false, field };
  }
  return { ok: false, field, error: `field "${field}" must be true or false` };
}

export function readText(fields: FlatFields, aliases: readonly string[]): Read<string> {
  const hit = pick(fields, aliases);
  if (!hit) return { ok: true, value: undefined };
  const { field, value } = hit;
  if (typeof value === 'string') {
    const t = value.trim();
    return { ok: true, value: t === '' ? undefined : t, field };
  }
  if (typeof value === 'number' || typeof value === 'boolean')
    return { ok: true, value: String(value), field };
  return { ok: false, field, error: `field "${field}" must be text` };
}

const ISO_TIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/i;

/**
 * A time as TradingView renders it (`2019-08-27T09:56:00Z`), any ISO-8601 form with a zone (a
 * missing zone means UTC, as TradingView's times are UTC), or epoch seconds / milliseconds.
 */
export function readTime(fields: FlatFields, aliases: readonly string[]): Read<number> {
  const hit = pick(fields, aliases);
  if (!hit) return { ok: true, value: undefined };
  const { field, value } = hit;
  const bad = (): Read<number> => ({
    ok: false,
    field,
    error: `time field "${field}" is ${JSON.stringify(value)?.slice(0, 40)}, not a time — use "{{timenow}}" (renders like 2019-08-27T09:56:00Z) or epoch milliseconds`,
  });
  if (typeof value === 'number') return epoch(value, field) ?? bad();
  if (typeof value !== 'string') return bad();
  const t = value.trim();
  if (t === '') return bad();
  if (/^\d+(\.\d+)?$/.test(t)) return epoch(Number(t), field) ?? bad();
  if (!ISO_TIME.test(t)) return bad();
  const withZone = /(Z|[+-]\d{2}:?\d{2})$/i.test(t) ? t : `${t}Z`;
  const ms = Date.parse(withZone.replace(' ', 'T'));
  return Number.isFinite(ms) ? { ok: true, value: ms, field } : bad();
}

function epoch(n: number, field: string): Read<number> | undefined {
  if (!Number.isFinite(n) || n <= 0) return undefined;
  // Below 10^11 it can only be seconds (10^11 ms is 1973); TradingView has no earlier data we trade.
  const ms = n < 1e11 ? Math.round(n * 1000) : Math.round(n);
  return { ok: true, value: ms, field };
}
