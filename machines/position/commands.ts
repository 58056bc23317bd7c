/**
 * The order commands of a position, built in one place: the position machine issues them, and
 * crash recovery (src/runtime/recovery.ts) re-sends them for a restored position. Pure.
 */
import type {
  CancelEntryCommand,
  ClosePositionCommand,
  MoveStopCommand,
  PlaceEntryCommand,
} from '../../src/domain/events.ts';
import { exitTag, stopTag } from '../../src/domain/tags.ts';
import type { ExitReason, OrderSide } from '../../src/domain/types.ts';
import type { LegState, PositionContext } from './types.ts';

export function entrySide(ctx: Pick<PositionContext, 'side'>): OrderSide {
  return ctx.side === 'long' ? 'buy' : 'sell';
}

export function exitSide(ctx: Pick<PositionContext, 'side'>): OrderSide {
  return ctx.side === 'long' ? 'sell' : 'buy';
}

function base(ctx: PositionContext, ts: number) {
  return {
    positionId: ctx.positionId,
    accountId: ctx.accountId,
    symbol: ctx.symbol,
    contractId: ctx.contractId,
    ts,
  };
}

/** Place entry legs: each for what is still unfilled of it, with the plan's stop. */
export function placeEntryCommand(
  ctx: PositionContext,
  legs: readonly LegState[],
  ts: number,
): PlaceEntryCommand {
  return {
    type: 'placeEntry',
    ...base(ctx, ts),
    signalId: ctx.signalId,
    side: entrySide(ctx),
    legs: legs.map((l) => ({ tag: l.tag, price: l.price, quantity: l.quantity - l.filled })),
    stopPrice: ctx.stop,
  };
}

export function cancelEntryCommand(
  ctx: PositionContext,
  tags: readonly string[],
  ts: number,
): CancelEntryCommand {
  return { type: 'cancelEntry', ...base(ctx, ts), tags };
}

/** The broker-side protective stop at `stopPrice` for `quantity` (0 cancels it), under the current stop tag. */
export function moveStopCommand(
  ctx: PositionContext,
  quantity: number,
  ts: number,
  stopPrice: number = ctx.stop,
): MoveStopCommand {
  return {
    type: 'moveStop',
    ...base(ctx, ts),
    side: exitSide(ctx),
    stopPrice,
    quantity,
    tag: stopTag(ctx.positionId, ctx.stopSeq),
  };
}

/** Close `quantity` at market under the current exit tag. */
export function closePositionCommand(
  ctx: PositionContext,
  quantity: number,
  ts: number,
  reason: ExitReason,
): ClosePositionCommand {
  const command: ClosePositionCommand = {
    type: 'closePosition',
    ...base(ctx, ts),
    side: exitSide(ctx),
    quantity,
    tag: exitTag(ctx.positionId, ctx.exitSeq),
    reason,
  };
  return reason === 'target_tp3' ? { ...command, triggerPrice: ctx.plan.tp3 } : command;
}
