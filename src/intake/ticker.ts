/**
 * TradingView ticker → our root symbol (and explicit contract month), using the domain's
 * `resolveTicker` (a pure module Deno resolves by relative path too). Adds what only intake knows:
 * the alert's own year for short contract years, and refusing an explicit contract that has expired.
 */
import { resolveTicker } from '../domain/instruments.ts';

export interface TickerMatch {
  /** Our root symbol, e.g. ES, MNQ. */
  readonly symbol: string;
  readonly contractMonth?: { readonly month: string; readonly year: number };
  readonly tickSize?: number;
}

export type TickerResult =
  | { readonly ok: true; readonly match: TickerMatch }
  | { readonly ok: false; readonly error: string };

const MONTH_CODES = 'FGHJKMNQUVXZ';

/** Resolve `ticker` as of `now` (epoch ms): `now` picks the decade of one-digit years and decides expiry. */
export function resolveAlertTicker(ticker: string, now: number): TickerResult {
  const nowDate = new Date(now);
  const resolution = resolveTicker(fromNinjaTrader(ticker), nowDate.getUTCFullYear());
  if (!resolution.ok) return { ok: false, error: withFix(resolution.error) };
  const { symbol, instrument, contractMonth } = resolution;
  if (contractMonth) {
    const monthIndex = MONTH_CODES.indexOf(contractMonth.month);
    if (contractMonth.year * 12 + monthIndex < nowDate.getUTCFullYear() * 12 + nowDate.getUTCMonth()) {
      return {
        ok: false,
        error: `contract "${ticker}" (${symbol} ${contractMonth.month}${contractMonth.year}) has expired — use ${symbol}1! or a current contract`,
      };
    }
    return { ok: true, match: { symbol, contractMonth, tickSize: instrument.tickSize } };
  }
  return { ok: true, match: { symbol, tickSize: instrument.tickSize } };
}

/** NinjaTrader writes contracts as `MNQ 06-25` (root, space, month-year): rewrite to `MNQM2025`. */
const NINJATRADER = /^\s*([A-Za-z0-9]+)\s+(\d{1,2})-(\d{2}|\d{4})\s*$/;

export function fromNinjaTrader(ticker: string): string {
  const m = NINJATRADER.exec(ticker);
  if (!m) return ticker;
  const [, root = '', monthText = '', yearText = ''] = m;
  const month = MONTH_CODES[Number(monthText) - 1];
  if (month === undefined) return ticker;
  return `${root}${month}${yearText.length === 2 ? `20${yearText}` : yearText}`;
}

/** Our errors read "<what is wrong> — <how to fix>"; the domain's use "; " before the fix. */
function withFix(error: string): string {
  if (error.includes(' — ')) return error;
  const semicolon = error.indexOf('; ');
  if (semicolon >= 0) return `${error.slice(0, semicolon)} — ${error.slice(semicolon + 2)}`;
  return `${error} — use a ticker such as ES1!, NQZ5, MNQU2025 or MNQ 09-25`;
}
