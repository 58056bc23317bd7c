/**
 * How numbers and names read for a trader, in one place: the terminal and HTML reports, the
 * notifications, the terminal status and the dashboard format money, prices, percents, R multiples,
 * exit reasons, stop rungs and position states here.
 * Money: dollars rounded to cents, thousands separated, an ASCII "-" before the "$" ("-$1,234.50"),
 * so text copies into a spreadsheet, a shell or a chat unchanged.
 */
import { resolveTicker } from './instruments.ts';
import type { ExitReason, PositionMachineState } from './vocabulary.ts';

const CENTS = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

/** Most digits a price ever shows: a volume-weighted average of tick prices may fall between ticks. */
const MAX_PRICE_DECIMALS = 6;

/** Cents, with -0 and values that round to zero read as 0. */
function cents(dollars: number): number {
  const rounded = Math.round(dollars * 100) / 100;
  return rounded === 0 ? 0 : rounded;
}

/** "$1,234.50", "-$1,234.50", "$0.00". */
export function money(dollars: number): string {
  const value = cents(dollars);
  return `${value < 0 ? '-' : ''}$${CENTS.format(Math.abs(value))}`;
}

/** Money with its sign always shown: "+$1,234.50", "-$1,234.50", "$0.00". */
export function signedMoney(dollars: number): string {
  const value = cents(dollars);
  return value > 0 ? `+${money(value)}` : money(value);
}

/**
 * A price at tick precision: `decimals` places always ("4000.50", "1321.0"); more, up to six, only
 * when the value lies between ticks (an average fill price such as 4000.125).
 */
export function price(value: number, decimals: number): string {
  const places = Math.max(0, Math.min(MAX_PRICE_DECIMALS, Math.trunc(decimals)));
  for (let digits = places; digits < MAX_PRICE_DECIMALS; digits++) {
    const text = value.toFixed(digits);
    if (Math.abs(Number(text) - value) < 1e-9) return text;
  }
  return value.toFixed(MAX_PRICE_DECIMALS).replace(/0+$/, '');
}

/** Decimal places of a tick of `symbol` (a root or any ticker resolveTicker knows); null when unknown. */
export function priceDecimals(symbol: string): number | null {
  const resolved = resolveTicker(symbol);
  return resolved.ok ? resolved.instrument.decimals : null;
}

/** A price of `symbol` at its tick precision; an unknown symbol shows the value without trailing zeros. */
export function symbolPrice(symbol: string, value: number): string {
  return price(value, priceDecimals(symbol) ?? 0);
}

/** A fraction as a percent: 0.1234 → "12.3%". */
export function percent(fraction: number, digits = 1): string {
  return `${(fraction * 100).toFixed(digits)}%`;
}

/** An R multiple with its sign: "+1.25 R", "-0.50 R", "0.00 R". */
export function rMultiple(r: number, digits = 2): string {
  const text = Math.abs(r).toFixed(digits);
  if (Number(text) === 0) return `${text} R`;
  return `${r > 0 ? '+' : '-'}${text} R`;
}

/** Why a position ended, as a trader says it. */
export const EXIT_REASON_NAMES: Readonly<Record<ExitReason, string>> = {
  initial_stop: 'initial stop',
  stop_breakeven: 'breakeven stop',
  stop_tp1: 'TP1 stop',
  stop_tp2: 'TP2 stop',
  target_tp3: 'TP3 target',
  opposing_alert: 'opposing alert',
  close_alert: 'close alert',
  session_flatten: 'session flatten',
  guard_flatten: 'guard flatten',
  broker_flatten: 'broker flatten',
  manual: 'manual close',
};

/** An exit reason's name; an unknown reason reads with spaces for underscores. */
export function exitReasonName(reason: string): string {
  return (EXIT_REASON_NAMES as Readonly<Record<string, string>>)[reason] ?? reason.replace(/_/g, ' ');
}

/**
 * Where the ladder's stop sits for the highest target reached: the plan's stop until TP1, the
 * average entry after TP1, TP1 after TP2, TP2 after TP3 (docs/backtest-fills.md).
 */
export const STOP_RUNG_NAMES: readonly [string, string, string, string] = [
  'initial stop',
  'breakeven stop',
  'TP1 stop',
  'TP2 stop',
];

/** The stop's name for a rung (0 none reached, 1..3 the highest target reached). */
export function stopRungName(rung: number): string {
  return STOP_RUNG_NAMES[rung] ?? `stop after TP${rung}`;
}

/** A position's state as a trader reads it. */
export const POSITION_STATE_NAMES: Readonly<Record<PositionMachineState, string>> = {
  pending_entry: 'pending entry',
  active: 'active',
  tp1: 'TP1 hit',
  tp2: 'TP2 hit',
  tp3: 'TP3 hit',
  cancelling: 'cancelling',
  exiting: 'exiting',
  closed: 'closed',
  cancelled: 'cancelled',
};

/** A position state's name; an unknown state reads with spaces for underscores. */
export function positionStateName(state: string): string {
  return (POSITION_STATE_NAMES as Readonly<Record<string, string>>)[state] ?? state.replace(/_/g, ' ');
}
