/**
 * The futures we trade and how tickers name them. Tick specs are for tests, sizing defaults and
 * sanity checks; live trading takes tickSize/tickValue from the broker (projectx-gateway.md §15).
 */
import type { Instrument } from './types.ts';

const futures = (
  symbol: string,
  name: string,
  exchange: string,
  tickSize: number,
  tickValue: number,
  decimals: number,
  projectxRoot: string,
  micro: boolean,
): Instrument => ({
  symbol,
  name,
  exchange,
  tickSize,
  tickValue,
  decimals,
  projectxRoot,
  marketType: 'futures',
  micro,
});

/** Our root symbols, in a fixed order (used in error messages and listings). */
export const INSTRUMENTS: readonly Instrument[] = [
  futures('ES', 'E-mini S&P 500', 'CME', 0.25, 12.5, 2, 'EP', false),
  futures('MES', 'Micro E-mini S&P 500', 'CME', 0.25, 1.25, 2, 'MES', true),
  futures('NQ', 'E-mini Nasdaq-100', 'CME', 0.25, 5, 2, 'ENQ', false),
  futures('MNQ', 'Micro E-mini Nasdaq-100', 'CME', 0.25, 0.5, 2, 'MNQ', true),
  futures('RTY', 'E-mini Russell 2000', 'CME', 0.1, 5, 1, 'RTY', false),
  futures('M2K', 'Micro E-mini Russell 2000', 'CME', 0.1, 0.5, 1, 'M2K', true),
  futures('CL', 'Crude Oil', 'NYMEX', 0.01, 10, 2, 'CLE', false),
  // MCLE is a field report, unconfirmed (projectx-gateway.md §15): resolve through Contract/search live.
  futures('MCL', 'Micro WTI Crude Oil', 'NYMEX', 0.01, 1, 2, 'MCLE', true),
  futures('GC', 'Gold', 'COMEX', 0.1, 10, 1, 'GCE', false),
  futures('MGC', 'Micro Gold', 'COMEX', 0.1, 1, 1, 'MGC', true),
];

const BY_SYMBOL: ReadonlyMap<string, Instrument> = new Map(INSTRUMENTS.map((i) => [i.symbol, i]));
/** Longest roots first so that e.g. MNQ is tried before NQ could ever match a prefix. */
const ROOTS_LONGEST_FIRST = [...INSTRUMENTS].sort((a, b) => b.symbol.length - a.symbol.length);

export const SUPPORTED_SYMBOLS: readonly string[] = INSTRUMENTS.map((i) => i.symbol);

/** CME month codes, January to December. */
export const MONTH_CODES = 'FGHJKMNQUVXZ';

export function getInstrument(symbol: string): Instrument | undefined {
  return BY_SYMBOL.get(symbol.trim().toUpperCase());
}

export interface ContractMonth {
  /** CME month code, F … Z. */
  readonly month: string;
  /** Four-digit year. */
  readonly year: number;
}

export type TickerResolution =
  | {
      readonly ok: true;
      readonly symbol: string;
      readonly instrument: Instrument;
      readonly contractMonth?: ContractMonth;
    }
  | { readonly ok: false; readonly error: string };

/**
 * Year used to expand one- and two-digit contract years when the caller gives none. Callers should
 * pass the UTC year of the alert's own time; this constant only keeps the function pure.
 */
export const DEFAULT_REFERENCE_YEAR = 2026;

const CONTRACT_SUFFIX = /^(?:([1-9])!|([FGHJKMNQUVXZ])(\d{4}|\d{2}|\d))?$/;
const EXCHANGE_PREFIX = /^[A-Z0-9_]+$/;

/**
 * Map a TradingView ticker to one of our instruments. Accepts, in any casing: `ES1!`, `MNQ1!`,
 * bare `NQ`, `NQZ5`, `ESZ13`, `MNQU2025`, `CME_MINI:ES1!`, `CME_MINI_DL:NQ1!` (the exchange prefix,
 * with or without a delayed-feed `_DL`/`_DLY` suffix, is ignored for mapping).
 *
 * One-digit years resolve to the year ending in that digit within [referenceYear − 4, referenceYear + 5]
 * (the nearest one; a 5-year tie goes to the future, since contracts are listed ahead). Two-digit
 * years resolve the same way within [referenceYear − 49, referenceYear + 50].
 */
export function resolveTicker(
  ticker: string,
  referenceYear: number = DEFAULT_REFERENCE_YEAR,
): TickerResolution {
  const raw = ticker.trim().toUpperCase();
  const colon = raw.lastIndexOf(':');
  const prefix = colon >= 0 ? raw.slice(0, colon) : '';
  const body = colon >= 0 ? raw.slice(colon + 1) : raw;
  if (colon >= 0 && !EXCHANGE_PREFIX.test(prefix)) {
    return unsupported(ticker, `the exchange prefix "${prefix}" is not a TradingView exchange code`);
  }
  for (const instrument of ROOTS_LONGEST_FIRST) {
    if (!body.startsWith(instrument.symbol)) continue;
    const match = CONTRACT_SUFFIX.exec(body.slice(instrument.symbol.length));
    if (!match) continue;
    const [, continuous, month, yearText] = match;
    if (continuous !== undefined && continuous !== '1') {
      return {
        ok: false,
        error: `ticker "${ticker}": only the front-month continuous contract (${instrument.symbol}1!) is supported, not ${instrument.symbol}${continuous}!`,
      };
    }
    if (month === undefined || yearText === undefined)
      return { ok: true, symbol: instrument.symbol, instrument };
    const year = expandYear(yearText, referenceYear);
    return { ok: true, symbol: instrument.symbol, instrument, contractMonth: { month, year } };
  }
  return unsupported(ticker, 'it is not an instrument this bot trades');
}

function unsupported(ticker: string, why: string): TickerResolution {
  return {
    ok: false,
    error: `unsupported ticker "${ticker}": ${why}; use one of ${SUPPORTED_SYMBOLS.join(', ')} (e.g. ES1!, NQZ5, MNQU2025)`,
  };
}

function expandYear(text: string, referenceYear: number): number {
  if (text.length === 4) return Number(text);
  const modulus = text.length === 1 ? 10 : 100;
  const digits = Number(text);
  const half = modulus / 2;
  // Smallest year ≥ referenceYear − half + 1 ending in `digits`: the window (ref − half, ref + half].
  const start = referenceYear - half + 1;
  const offset = (((digits - start) % modulus) + modulus) % modulus;
  return start + offset;
}

/** ProjectX contract id, e.g. ES, 'Z', 2025 → `CON.F.US.EP.Z25`. Throws on a month code that is not F…Z. */
export function projectxContractId(instrument: Instrument, month: string, year: number): string {
  const code = month.toUpperCase();
  if (code.length !== 1 || !MONTH_CODES.includes(code)) {
    throw new RangeError(
      `contract month "${month}" is not a CME month code; use one of ${MONTH_CODES.split('').join(' ')}`,
    );
  }
  if (!Number.isInteger(year) || year < 2000 || year > 2099) {
    throw new RangeError(`contract year ${year} must be a four-digit year between 2000 and 2099`);
  }
  return `CON.F.US.${instrument.projectxRoot}.${code}${String(year % 100).padStart(2, '0')}`;
}

/** ProjectX symbol id, e.g. ES → `F.US.EP`. */
export function projectxSymbolId(instrument: Instrument): string {
  return `F.US.${instrument.projectxRoot}`;
}

/** Exchange-style contract name with a one-digit year, as ProjectX shows it: ES, 'Z', 2025 → `ESZ5`. */
export function contractName(instrument: Instrument, month: string, year: number): string {
  return `${instrument.symbol}${month.toUpperCase()}${year % 10}`;
}

/** Dollars per point for one contract (tickValue ÷ tickSize), e.g. ES 50, NQ 20. */
export function pointValue(instrument: Pick<Instrument, 'tickSize' | 'tickValue'>): number {
  return Math.round((instrument.tickValue / instrument.tickSize) * 1e6) / 1e6;
}
