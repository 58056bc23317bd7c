/**
 * Volume profile (VPVR) exactly as ../shared/reference/vpvr.md defines it: rows in whole ticks,
 * even split of each bar's volume over the rows it touches, POC tie rule, two-row value area.
 * All row arithmetic is in integer ticks; prices leave as canonical tick-grid numbers.
 */
import { decimalsOf, type TickGrid } from './ticks.ts';
import type { Bar } from './types.ts';

export type ProfileLayout = { readonly rows: number } | { readonly ticksPerRow: number };

/** 'twoRows' is TradingView's rule (default); 'oneRow' adds one row at a time (several open scripts). */
export type ValueAreaRule = 'twoRows' | 'oneRow';

export interface ProfileOptions {
  readonly tickSize: number;
  /** Decimals of a tick-aligned price; derived from tickSize when omitted. */
  readonly decimals?: number;
  /** Default { rows: 24 }. */
  readonly layout?: ProfileLayout;
  /** Default 70. */
  readonly valueAreaPercent?: number;
  /** Default 'twoRows'. */
  readonly valueAreaRule?: ValueAreaRule;
}

export interface ProfileRow {
  readonly bottom: number;
  /** Top of the row; the last row is capped at the profile high (it may be partial). */
  readonly top: number;
  readonly up: number;
  readonly down: number;
  readonly total: number;
}

export interface VolumeProfile {
  readonly kind: 'profile';
  readonly low: number;
  readonly high: number;
  /** Nominal row height in price (ticksPerRow × tickSize). */
  readonly rowHeight: number;
  readonly ticksPerRow: number;
  readonly rows: readonly ProfileRow[];
  /** Middle of the POC row; may sit half a tick off the grid (round it with roundLevelToTick). */
  readonly poc: number;
  readonly pocRow: number;
  readonly vah: number;
  readonly val: number;
  /** Lowest and highest row index inside the value area. */
  readonly valRow: number;
  readonly vahRow: number;
  readonly valueAreaVolume: number;
  readonly totalVolume: number;
}

export type ProfileResult =
  | VolumeProfile
  /** No bars, or every bar had zero volume: there is no POC. */
  | { readonly kind: 'empty'; readonly reason: string }
  /** A bar or an option is malformed; the reason names it. */
  | { readonly kind: 'invalid'; readonly reason: string };

export const DEFAULT_PROFILE_ROWS = 24;
export const DEFAULT_VALUE_AREA_PERCENT = 70;

/** Relative tolerance for volume comparisons, so summation order never flips a tie or the target test. */
const VOLUME_EPSILON = 1e-9;

/** Ticks per row for the number-of-rows layout (vpvr.md "Rows" step 2). */
export function ticksPerRowForCount(spanTicks: number, rows: number): number {
  if (spanTicks <= 0) return 1;
  const exact = spanTicks / rows;
  const smaller = Math.max(1, Math.floor(exact));
  const larger = Math.max(1, Math.ceil(exact));
  const missSmaller = Math.abs(Math.ceil(spanTicks / smaller) - rows);
  const missLarger = Math.abs(Math.ceil(spanTicks / larger) - rows);
  return missLarger < missSmaller ? larger : smaller;
}

export function computeProfile(bars: readonly Bar[], options: ProfileOptions): ProfileResult {
  const { tickSize } = options;
  if (!(tickSize > 0) || !Number.isFinite(tickSize)) {
    return { kind: 'invalid', reason: `tickSize ${tickSize} must be a positive number (e.g. 0.25 for ES)` };
  }
  const percent = options.valueAreaPercent ?? DEFAULT_VALUE_AREA_PERCENT;
  if (!(percent > 0 && percent <= 100)) {
    return { kind: 'invalid', reason: `valueAreaPercent ${percent} must be greater than 0 and at most 100` };
  }
  const layout = options.layout ?? { rows: DEFAULT_PROFILE_ROWS };
  const requested = 'rows' in layout ? layout.rows : layout.ticksPerRow;
  if (!Number.isInteger(requested) || requested < 1) {
    const field = 'rows' in layout ? 'layout.rows' : 'layout.ticksPerRow';
    return { kind: 'invalid', reason: `${field} ${requested} must be a whole number of at least 1` };
  }
  if (bars.length === 0) return { kind: 'empty', reason: 'no bars in the profile range' };

  // Pass 1: validate and find the range in ticks.
  const lowOf = scratch(bars.length, 0);
  const highOf = scratch(bars.length, 1);
  let lowTicks = Number.POSITIVE_INFINITY;
  let highTicks = Number.NEGATIVE_INFINITY;
  let totalVolume = 0;
  for (let i = 0; i < bars.length; i++) {
    const bar = bars[i]!;
    const problem = barProblem(bar);
    if (problem) return { kind: 'invalid', reason: `bar ${i} (ts ${bar.ts}): ${problem}` };
    const barLow = Math.round(bar.low / tickSize);
    const barHigh = Math.round(bar.high / tickSize);
    lowOf[i] = barLow;
    highOf[i] = barHigh;
    if (barLow < lowTicks) lowTicks = barLow;
    if (barHigh > highTicks) highTicks = barHigh;
    totalVolume += bar.volume;
  }
  if (totalVolume === 0) return { kind: 'empty', reason: `all ${bars.length} bars have zero volume` };

  const spanTicks = highTicks - lowTicks;
  const ticksPerRow = 'rows' in layout ? ticksPerRowForCount(spanTicks, layout.rows) : layout.ticksPerRow;
  const rowCount = spanTicks === 0 ? 1 : Math.ceil(spanTicks / ticksPerRow);
  const lastRow = rowCount - 1;

  // Pass 2: spread each bar's volume evenly over the rows from its low's row to its high's row.
  const up = new Float64Array(rowCount);
  const down = new Float64Array(rowCount);
  for (let i = 0; i < bars.length; i++) {
    const bar = bars[i]!;
    if (bar.volume === 0) continue;
    const first = Math.min(lastRow, Math.floor((lowOf[i]! - lowTicks) / ticksPerRow));
    const last = Math.min(lastRow, Math.floor((highOf[i]! - lowTicks) / ticksPerRow));
    const share = bar.volume / (last - first + 1);
    const side = bar.close >= bar.open ? up : down;
    for (let r = first; r <= last; r++) side[r] = side[r]! + share;
  }

  const tolerance = totalVolume * VOLUME_EPSILON;
  const totals = new Float64Array(rowCount);
  for (let r = 0; r < rowCount; r++) totals[r] = up[r]! + down[r]!;

  // POC: greatest total; ties go to the row nearest the middle, then to the lower row.
  let pocRow = 0;
  for (let r = 1; r < rowCount; r++) {
    const diff = totals[r]! - totals[pocRow]!;
    if (diff > tolerance) pocRow = r;
    else if (diff >= -tolerance && Math.abs(2 * r - lastRow) < Math.abs(2 * pocRow - lastRow)) pocRow = r;
  }

  // Value area: grow from the POC by pairs (or single rows) until the target is reached.
  const target = (totalVolume * percent) / 100;
  const step = options.valueAreaRule === 'oneRow' ? 1 : 2;
  let valRow = pocRow;
  let vahRow = pocRow;
  let accumulated = totals[pocRow]!;
  while (accumulated < target - tolerance && (valRow > 0 || vahRow < lastRow)) {
    const upperEnd = Math.min(lastRow, vahRow + step);
    const lowerEnd = Math.max(0, valRow - step);
    let upperSum = 0;
    for (let r = vahRow + 1; r <= upperEnd; r++) upperSum += totals[r]!;
    let lowerSum = 0;
    for (let r = lowerEnd; r < valRow; r++) lowerSum += totals[r]!;
    const takeUpper = vahRow < lastRow && (valRow === 0 || upperSum >= lowerSum - tolerance);
    if (takeUpper) {
      vahRow = upperEnd;
      accumulated += upperSum;
    } else {
      valRow = lowerEnd;
      accumulated += lowerSum;
    }
  }

  // Canonical prices as (whole number) ÷ 10^decimals: the same double as parsing the decimal text,
  // without the cost of toFixed on every row.
  let decimals = options.decimals ?? decimalsOf(tickSize);
  if (Math.abs(tickSize * 10 ** decimals - Math.round(tickSize * 10 ** decimals)) > 1e-9)
    decimals = decimalsOf(tickSize);
  const scale = 10 ** decimals;
  const tickUnits = Math.round(tickSize * scale);
  const price = (ticks: number): number => (ticks * tickUnits) / scale;
  const rowBottomTicks = (r: number): number => lowTicks + r * ticksPerRow;
  const rowTopTicks = (r: number): number => Math.min(highTicks, lowTicks + (r + 1) * ticksPerRow);

  const rows: ProfileRow[] = new Array(rowCount);
  for (let r = 0; r < rowCount; r++) {
    rows[r] = {
      bottom: price(rowBottomTicks(r)),
      top: price(rowTopTicks(r)),
      up: up[r]!,
      down: down[r]!,
      total: totals[r]!,
    };
  }
  const pocTwiceTicks = rowBottomTicks(pocRow) + rowTopTicks(pocRow);
  return {
    kind: 'profile',
    low: price(lowTicks),
    high: price(highTicks),
    rowHeight: price(ticksPerRow),
    ticksPerRow,
    rows,
    poc: (pocTwiceTicks * tickUnits * 5) / (scale * 10),
    pocRow,
    vah: price(rowTopTicks(vahRow)),
    val: price(rowBottomTicks(valRow)),
    valRow,
    vahRow,
    valueAreaVolume: accumulated,
    totalVolume,
  };
}

/** Reused per-bar tick buffers: the profile runs at every alert in a backtest. */
const scratchBuffers: [Float64Array, Float64Array] = [new Float64Array(512), new Float64Array(512)];

function scratch(length: number, which: 0 | 1): Float64Array {
  if (scratchBuffers[which].length < length)
    scratchBuffers[which] = new Float64Array(Math.max(length, 2 * scratchBuffers[which].length));
  return scratchBuffers[which];
}

function barProblem(bar: Bar): string | undefined {
  const { open, high, low, close, volume } = bar;
  // Fast path for good bars; the loop below only runs to name the bad field.
  if (
    Number.isFinite(open) &&
    Number.isFinite(high) &&
    Number.isFinite(low) &&
    Number.isFinite(close) &&
    Number.isFinite(volume) &&
    volume >= 0 &&
    low <= high
  ) {
    return undefined;
  }
  for (const field of ['open', 'high', 'low', 'close', 'volume'] as const) {
    if (!Number.isFinite(bar[field])) return `${field} is ${bar[field]}; every field must be a finite number`;
  }
  if (bar.volume < 0) return `volume ${bar.volume} is negative`;
  if (bar.low > bar.high) return `low ${bar.low} is above high ${bar.high}; check the column order`;
  return undefined;
}

/**
 * Round a profile price to the tick grid: nearest tick, and an exact half tick rounds toward
 * `towardPrice` (the entry), so a target is never further away than the profile says.
 */
export function roundLevelToTick(price: number, grid: TickGrid, towardPrice: number): number {
  const exact = price / grid.tickSize;
  const below = Math.floor(exact);
  const fraction = exact - below;
  let ticks: number;
  if (Math.abs(fraction - 0.5) < 1e-9) ticks = towardPrice > price ? below + 1 : below;
  else ticks = fraction > 0.5 ? below + 1 : below;
  return Number((ticks * grid.tickSize).toFixed(grid.decimals));
}
