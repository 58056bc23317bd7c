/**
 * Tick math. Prices are compared and moved in integer ticks; a price leaves this module as the
 * canonical number for its tick (the same double that parsing its decimal text gives), so equal
 * prices compare equal and never drift.
 */

export interface TickGrid {
  readonly tickSize: number;
  readonly decimals: number;
}

/** Nearest whole number of ticks for a price (half ticks round away from zero, like Math.round on |x|). */
export function toTicks(price: number, grid: TickGrid): number {
  const exact = price / grid.tickSize;
  const rounded = Math.round(exact);
  return Object.is(rounded, -0) ? 0 : rounded;
}

/** The canonical price of a whole number of ticks. */
export function fromTicks(ticks: number, grid: TickGrid): number {
  return Number((ticks * grid.tickSize).toFixed(grid.decimals));
}

/** Canonical tick-aligned price nearest to `price`. */
export function snapToTick(price: number, grid: TickGrid): number {
  return fromTicks(toTicks(price, grid), grid);
}

/** Move a price by a signed number of ticks. */
export function addTicks(price: number, ticks: number, grid: TickGrid): number {
  return fromTicks(toTicks(price, grid) + ticks, grid);
}

/** True when the price lies on the tick grid (within a float tolerance). */
export function isOnTickGrid(price: number, grid: TickGrid): boolean {
  const exact = price / grid.tickSize;
  return Math.abs(exact - Math.round(exact)) < 1e-6;
}

/** Decimal places of a tick size, e.g. 0.25 → 2, 0.1 → 1, 0.005 → 3, 1 → 0. */
export function decimalsOf(tickSize: number): number {
  const text = String(tickSize);
  const dot = text.indexOf('.');
  if (text.includes('e-')) return Number(text.split('e-')[1]);
  return dot < 0 ? 0 : text.length - dot - 1;
}
