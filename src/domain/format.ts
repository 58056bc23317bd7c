/**
 * How numbers read for a trader, in one place: the terminal and HTML reports, the notifications and
 * the dashboard all format money, prices, percents and R multiples here.
 * Money: dollars rounded to cents, thousands separated, an ASCII "-" before the "$" ("-$1,234.50"),
 * so text copies into a spreadsheet, a shell or a chat unchanged.
 */
import { resolveTicker } from './instruments.ts';

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
