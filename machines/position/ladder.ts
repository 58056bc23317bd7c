/** Pure ladder arithmetic for the position machine (no XState here, so it is easy to test and reuse). */

import {
  averageEntry,
  averageExit,
  openQuantity,
  type RealizedPnl,
  realizedPnl,
} from '../../src/domain/pnl.ts';
import { fromTicks, toTicks } from '../../src/domain/ticks.ts';
import type { ExitReason, PriceBand } from '../../src/domain/types.ts';
import { type PositionMachineState, positionMachineState } from '../../src/domain/vocabulary.ts';
import type { PositionContext } from './types.ts';

export const NO_TICKS_BAND: PriceBand = {
  low: Number.NEGATIVE_INFINITY,
  high: Number.POSITIVE_INFINITY,
  until: Number.POSITIVE_INFINITY,
};

export function direction(ctx: Pick<PositionContext, 'side'>): 1 | -1 {
  return ctx.side === 'long' ? 1 : -1;
}

export function targetOf(ctx: PositionContext, rung: 1 | 2 | 3): number {
  return rung === 1 ? ctx.plan.tp1 : rung === 2 ? ctx.plan.tp2 : ctx.plan.tp3;
}

/** Entry price for breakeven: the volume-weighted entry, on the tick grid. */
export function breakevenPrice(ctx: PositionContext): number {
  if (ctx.filledQty === 0) return ctx.plan.entryPrice;
  return fromTicks(Math.round(ctx.entryTicksSum / ctx.filledQty), ctx.grid);
}

/** The stop a rung moves to: TP1 → entry, TP2 → TP1, TP3 → TP2. */
export function rungStop(ctx: PositionContext, rung: 1 | 2 | 3): number {
  return rung === 1 ? breakevenPrice(ctx) : rung === 2 ? ctx.plan.tp1 : ctx.plan.tp2;
}

export function stopBreached(ctx: PositionContext, price: number): boolean {
  return ctx.side === 'long' ? price <= ctx.stop : price >= ctx.stop;
}

/** Highest rung a price reaches (never lower than the current one). */
export function rungReached(ctx: PositionContext, price: number): 0 | 1 | 2 | 3 {
  const dir = direction(ctx);
  let rung = ctx.rung;
  while (rung < 3) {
    const next = (rung + 1) as 1 | 2 | 3;
    if (dir * (price - targetOf(ctx, next)) >= 0) rung = next;
    else break;
  }
  return rung;
}

export function stopExitReason(rung: 0 | 1 | 2 | 3): ExitReason {
  return rung === 0 ? 'initial_stop' : rung === 1 ? 'stop_breakeven' : rung === 2 ? 'stop_tp1' : 'stop_tp2';
}

export function openQty(ctx: PositionContext): number {
  return openQuantity(ctx);
}

/** Band of an open position: between its stop and its next target. */
export function openBand(ctx: PositionContext): PriceBand {
  const next = ctx.rung < 3 ? targetOf(ctx, (ctx.rung + 1) as 1 | 2 | 3) : undefined;
  if (ctx.side === 'long') {
    return { low: ctx.stop, high: next ?? Number.POSITIVE_INFINITY, until: Number.POSITIVE_INFINITY };
  }
  return { low: next ?? Number.NEGATIVE_INFINITY, high: ctx.stop, until: Number.POSITIVE_INFINITY };
}

export function pendingBand(ctx: PositionContext): PriceBand {
  return { low: Number.NEGATIVE_INFINITY, high: Number.POSITIVE_INFINITY, until: ctx.expiresAt };
}

export function averageEntryPrice(ctx: PositionContext): number | null {
  return averageEntry(ctx);
}

export function averageExitPrice(ctx: PositionContext): number | null {
  return averageExit(ctx);
}

/**
 * Realised gross P&L in dollars on the exited contracts, computed in ticks:
 * (exit ticks − average entry ticks) × direction × tick value.
 */
export function realizedGross(ctx: PositionContext): number {
  return positionPnl(ctx).gross;
}

/** The position's realised P&L (src/domain/pnl.ts realizedPnl: the one formula and rounding). */
export function positionPnl(ctx: PositionContext): RealizedPnl {
  return realizedPnl({ ...ctx, tickValue: ctx.grid.tickValue });
}

export function unrealized(ctx: PositionContext, price: number): number {
  const qty = openQty(ctx);
  if (qty <= 0 || ctx.filledQty === 0) return 0;
  const ticks = direction(ctx) * (toTicks(price, ctx.grid) - ctx.entryTicksSum / ctx.filledQty) * qty;
  return Math.round(ticks * ctx.grid.tickValue * 100) / 100;
}

/** The band of a position in a given top-level state (what its `update` messages carry). */
export function bandOf(state: string, ctx: PositionContext): PriceBand {
  if (state === 'pending_entry') return pendingBand(ctx);
  if (state === 'active' || state === 'tp1' || state === 'tp2' || state === 'tp3') return openBand(ctx);
  return NO_TICKS_BAND;
}

/** Top-level state name of a position snapshot value ({ pending_entry: 'working' } → pending_entry). */
export function topStateOf(value: unknown): PositionMachineState {
  if (typeof value === 'string') return positionMachineState(value);
  const key = value && typeof value === 'object' ? Object.keys(value)[0] : undefined;
  return positionMachineState(key);
}
