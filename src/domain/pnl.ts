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
