/** The immutable trade row of a closed position, built the same way live and in backtests. */
import { averageEntryPrice, averageExitPrice, positionPnl } from '../../machines/position/ladder.ts';
import type { PositionContext } from '../../machines/position/types.ts';
import type { TradeRecord } from '../ports/store.ts';

export function tradeFromPosition(ctx: PositionContext): TradeRecord {
  const pnl = positionPnl(ctx);
  return {
    positionId: ctx.positionId,
    accountId: ctx.accountId,
    symbol: ctx.symbol,
    side: ctx.side,
    quantity: ctx.filledQty,
    entryPrice: round(averageEntryPrice(ctx) ?? 0, ctx.grid.decimals + 4),
    exitPrice: round(averageExitPrice(ctx) ?? 0, ctx.grid.decimals + 4),
    entryTime: ctx.firstFillAt ?? ctx.openedAt,
    exitTime: ctx.lastExitAt ?? ctx.closedAt ?? ctx.lastTs,
    grossPnl: pnl.gross,
    netPnl: pnl.net,
    commissions: pnl.fees,
    exitReason: ctx.exitReason ?? 'manual',
    highestTarget: ctx.rung,
    initialStop: ctx.plan.stopPrice,
    confirmationScore: ctx.plan.confirmationScore,
    poc: ctx.plan.poc,
    vah: ctx.plan.vah,
    val: ctx.plan.val,
  };
}

function round(value: number, decimals: number): number {
  return Number(value.toFixed(decimals));
}
