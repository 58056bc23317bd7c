// Formatting for traders: money, prices at the instrument's tick precision, percents and the names
// of states, exit reasons and stop rungs come from the one formatting module the backtest reports
// and the terminal status use (src/domain/format.ts); "—" stands for a value
// that is missing. Times are in the browser's zone.
import {
  price as fixedPrice,
  money,
  percent as percentOf,
  positionStateName,
  signedMoney,
  symbolPrice,
} from '../../src/domain/format.ts';

export { exitReasonName, stopRungName } from '../../src/domain/format.ts';

const missing = (value: number | null | undefined): value is null | undefined =>
  value === null || value === undefined || !Number.isFinite(value);

/** Dollars: "+$1,234.50" / "-$1,234.50" with `signed`, else "$1,234.50" / "-$1,234.50". */
export function usd(value: number | null | undefined, signed = true): string {
  if (missing(value)) return '—';
  return signed ? signedMoney(value) : money(value);
}

export function pnlClass(value: number | null | undefined): string {
  if (value === null || value === undefined || value === 0) return '';
  return value > 0 ? 'up' : 'down';
}

/** A price at the tick precision of `symbol`; without a known symbol, as sent (no trailing zeros). */
export function price(value: number | null | undefined, symbol?: string | null): string {
  if (missing(value)) return '—';
  return symbol ? symbolPrice(symbol, value) : fixedPrice(value, 0);
}

export function percent(value: number | null | undefined, digits = 1): string {
  if (missing(value)) return '—';
  return percentOf(value, digits);
}

const dateTime = new Intl.DateTimeFormat('en-GB', {
  month: 'short',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hour12: false,
});
const timeOnly = new Intl.DateTimeFormat('en-GB', {
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hour12: false,
});

export function when(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  return dateTime.format(ms);
}

export function clock(ms: number): string {
  return timeOnly.format(ms);
}

export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  const minutes = Math.round(ms / 60_000);
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  return `${hours}h ${minutes % 60}m`;
}

/** A position state as a trader reads it ("pending entry", "TP1 hit"). */
export function stateLabel(state: string): string {
  return positionStateName(state);
}
