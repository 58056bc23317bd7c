/**
 * Trade P&L in dollars, counted in ticks so that tick-aligned prices never pick up float dust.
 * Round to cents once, at the edge (reports, storage), with roundCents.
 */
import type { Instrument, Side } from './types.ts';

type TickSpec = Pick<Instrument, 'tickSize' | 'tickValue'>;

/** Dollar P&L before costs. Prices off the grid (a volume-weighted entry) are priced in fractional ticks. */
export function pnlDollars(
  side: Side,
  entryPrice: number,
  exitPrice: number,
  quantity: number,
  instrument: TickSpec,
): number {
  return pnlTicks(side, entryPrice, exitPrice, instrument) * quantity * instrument.tickValue;
}

/** Signed ticks gained per contract: whole ticks when both prices are on the grid. */
export function pnlTicks(
  side: Side,
  entryPrice: number,
  exitPrice: number,
  instrument: Pick<Instrument, 'tickSize'>,
): number {
  const moved = (exitPrice - entryPrice) / instrument.tickSize;
  const whole = Math.round(moved);
  const ticks = Math.abs(moved - whole) < 1e-7 ? whole : moved;
  const signed = side === 'long' ? ticks : -ticks;
  return signed === 0 ? 0 : signed;
}

export interface Fill {
  readonly price: number;
  readonly quantity: number;
}

/** Volume-weighted average price of fills; undefined when there is no filled quantity. */
export function volumeWeightedPrice(fills: readonly Fill[]): number | undefined {
  let quantity = 0;
  let notional = 0;
  for (const fill of fills) {
    quantity += fill.quantity;
    notional += fill.price * fill.quantity;
  }
  if (quantity <= 0) return undefined;
  return notional / quantity;
}

/** Dollars rounded to whole cents, halves away from zero (−0 becomes 0). */
export function roundCents(dollars: number): number {
  // A nudge far below a cent but above binary dust, so 1.005 (stored as 1.00499999…) rounds to 1.01 as written.
  const scaled = Math.abs(dollars) * 100;
  const cents = Math.round(scaled + scaled * 1e-13 + 1e-9);
  const rounded = (dollars < 0 ? -cents : cents) / 100;
  return rounded === 0 ? 0 : rounded;
}

/** What a position's realised P&L is computed from: fills summed in ticks (src/machines position context). */
export interface RealizedInput {
  readonly side: Side;
  readonly filledQty: number;
  readonly exitedQty: number;
  readonly entryTicksSum: number;
  readonly exitTicksSum: number;
  readonly tickValue: number;
  /** Fees and commissions paid so far, dollars. */
  readonly fees: number;
}

export interface RealizedPnl {
  readonly gross: number;
  readonly fees: number;
  readonly net: number;
}

/**
 * The one P&L of a trade, live and in backtests, on the store, the dashboard and in notifications:
 * the exited contracts against the average entry, in ticks, times the tick value; gross, fees and
 * net each rounded to cents once (roundCents), net = gross − fees of the rounded values.
 */
export function realizedPnl(input: RealizedInput): RealizedPnl {
  let ticks = 0;
  if (input.exitedQty > 0 && input.filledQty > 0) {
    const entryTicksForExited = (input.entryTicksSum / input.filledQty) * input.exitedQty;
    ticks = (input.side === 'long' ? 1 : -1) * (input.exitTicksSum - entryTicksForExited);
  }
  const gross = roundCents(ticks * input.tickValue);
  const fees = roundCents(input.fees);
  return { gross, fees, net: roundCents(gross - fees) };
}

/** A position's fills as the ladder sums them: quantities and prices in ticks. */
export interface FillTotals {
  readonly filledQty: number;
  readonly exitedQty: number;
  readonly entryTicksSum: number;
  readonly exitTicksSum: number;
  readonly grid: Pick<Instrument, 'tickSize'>;
}

/** Contracts held: filled minus exited. */
export function openQuantity(p: Pick<FillTotals, 'filledQty' | 'exitedQty'>): number {
  return p.filledQty - p.exitedQty;
}

export function averageEntry(p: FillTotals): number | null {
  return p.filledQty === 0 ? null : (p.entryTicksSum / p.filledQty) * p.grid.tickSize;
}

export function averageExit(p: FillTotals): number | null {
  return p.exitedQty === 0 ? null : (p.exitTicksSum / p.exitedQty) * p.grid.tickSize;
}
