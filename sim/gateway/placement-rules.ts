/**
 * Order/place validation (§8): every message here is what the real server answers with code 2
 * (OrderRejected), where one is known (§7.2). Pure: sets the order's prices from the request.
 */
import type { OrderRecord } from './records.ts';
import type { GatewayAccountSetup, GatewayContractSetup } from './types.ts';
import { onTickGrid, ticksOf } from './wire-format.ts';

export interface PlacementRules {
  /** Reject bracket stops closer than this many ticks (field report, unconfirmed). 0 disables. */
  minimumBracketTicks: number;
  /** Reject a stop-loss bracket whose type is not Stop (4) (field report, unconfirmed). */
  requireStopTypeForStopLoss: boolean;
}

export interface PriceFields {
  type: number;
  side: number;
  size: number;
  limitPrice?: number | null | undefined;
  stopPrice?: number | null | undefined;
  trailPrice?: number | null | undefined;
}

const MAX_TRAIL_TICKS = 1000;

/** Fills in prices on `order` and returns a rejection message, or null when the order is valid. */
export function placementRejection(
  account: GatewayAccountSetup,
  contract: GatewayContractSetup,
  order: OrderRecord,
  request: PriceFields,
  lastTicks: number | undefined,
  rules: PlacementRules,
): string | null {
  const tick = contract.tickSize;
  if (order.type === 0) return `Invalid order type (${request.type})`;
  if (request.side !== 0 && request.side !== 1) return `Invalid order side (${request.side})`;
  if (order.size === 0) return `Invalid order size (${request.size})`;
  if (order.type === 1) {
    if (request.limitPrice == null) return 'Limit price not set.';
    if (!onTickGrid(request.limitPrice, tick)) return 'Invalid price. Price is not aligned to tick size.';
    order.limitTicks = ticksOf(request.limitPrice, tick);
  }
  if (order.type === 4) {
    if (request.stopPrice == null) return 'Stop price not set.';
    if (!onTickGrid(request.stopPrice, tick)) return 'Invalid price. Price is not aligned to tick size.';
    order.stopTicks = ticksOf(request.stopPrice, tick);
  }
  if (order.type === 5) {
    if (request.trailPrice == null) return 'Trail Distance not set.';
    if (!onTickGrid(request.trailPrice, tick))
      return 'Invalid trail price. Price is not aligned to tick size.';
    if (lastTicks === undefined) return 'Cannot trail without a last price';
    const distance = Math.abs(lastTicks - ticksOf(request.trailPrice, tick));
    if (distance > MAX_TRAIL_TICKS) return `Trail Distance exceeds maximum (${MAX_TRAIL_TICKS})`;
    if (distance === 0) return 'Trail Distance not set.';
    order.trailTicks = distance;
    order.stopTicks = order.side === 1 ? lastTicks - distance : lastTicks + distance;
  }
  if (order.type === 6 || order.type === 7) {
    if (lastTicks === undefined) return 'Cannot join without a last price';
    // The fake's quote is bid = last, ask = last + 1 tick.
    order.limitTicks = order.type === 6 ? lastTicks : lastTicks + 1;
  }
  if (order.stopLossBracket !== null || order.takeProfitBracket !== null) {
    if ((account.bracketMode ?? 'auto-oco') === 'position-brackets') {
      return 'Brackets cannot be used with Position Brackets. You must enable Auto OCO Brackets.';
    }
    return bracketRejection(order, rules);
  }
  return null;
}

/** Bracket ticks are signed by entry side: long SL < 0 < TP, short the reverse (§8.2). */
function bracketRejection(order: OrderRecord, rules: PlacementRules): string | null {
  const long = order.side === 0;
  const stopLoss = order.stopLossBracket;
  const takeProfit = order.takeProfitBracket;
  if (stopLoss) {
    const ticks = stopLoss.ticks;
    if (!Number.isInteger(ticks) || ticks === 0) return `Invalid stop loss ticks (${ticks}).`;
    if (long && ticks > 0)
      return `Invalid stop loss ticks (${ticks}). Ticks should be less than zero when longing.`;
    if (!long && ticks < 0) {
      return `Invalid stop loss ticks (${ticks}). Ticks should be greater than zero when going short.`;
    }
    if (rules.minimumBracketTicks > 0 && Math.abs(ticks) < rules.minimumBracketTicks) {
      return `Invalid stop loss ticks (${ticks}). Stop loss tick value should be at least ${rules.minimumBracketTicks} ticks.`;
    }
    if (rules.requireStopTypeForStopLoss && stopLoss.type !== 4) {
      return `Invalid stop loss type (${typeName(stopLoss.type)})`;
    }
  }
  if (takeProfit) {
    const ticks = takeProfit.ticks;
    if (!Number.isInteger(ticks) || ticks === 0) return `Invalid take profit ticks (${ticks}).`;
    if (long && ticks < 0) {
      return `Invalid take profit ticks (${ticks}). Ticks should be greater than zero when longing.`;
    }
    if (!long && ticks > 0) {
      return `Invalid take profit ticks (${ticks}). Ticks should be less than zero when going short.`;
    }
    if (takeProfit.type !== 1 && takeProfit.type !== 4)
      return `Invalid take profit type (${typeName(takeProfit.type)})`;
  }
  return null;
}

function typeName(type: number): string {
  const names = ['Unknown', 'Limit', 'Market', 'StopLimit', 'Stop', 'TrailingStop', 'JoinBid', 'JoinAsk'];
  return names[type] ?? String(type);
}
