/**
 * The exchange's internal records. Prices are integer ticks so that fills and averages never drift;
 * times are epoch ms. `render*` turns them into the wire models of types.ts.
 */
import type {
  GatewayContractSetup,
  GatewayOrder,
  GatewayPosition,
  GatewayTrade,
  OrderSideCode,
  OrderStatusCode,
  OrderTypeCode,
  PositionTypeCode,
} from './types.ts';
import { isoTimestamp, priceOf, type TimestampStyle } from './wire-format.ts';

export interface BracketSpec {
  ticks: number;
  type: number;
}

export interface OrderRecord {
  id: number;
  accountId: number;
  contract: GatewayContractSetup;
  createdAt: number;
  updatedAt: number | null;
  status: OrderStatusCode;
  type: OrderTypeCode;
  side: OrderSideCode;
  size: number;
  limitTicks: number | null;
  stopTicks: number | null;
  fillVolume: number;
  filledTicks: number | null;
  customTag: string | null;
  /** Trailing distance in ticks (trailing stops only). */
  trailTicks: number | null;
  parentOrderId: number | null;
  linkedOrderId: number | null;
  stopLossBracket: BracketSpec | null;
  takeProfitBracket: BracketSpec | null;
  /** Set on bracket children so the parent's fill price can position them. */
  bracketRole: 'stop-loss' | 'take-profit' | null;
  /** Close orders (closeContract): never add exposure; shrink or cancel if the position changed. */
  reduceOnly: boolean;
}

export interface PositionRecord {
  id: number;
  accountId: number;
  contract: GatewayContractSetup;
  createdAt: number;
  /** Signed contracts: > 0 long, < 0 short. */
  netSize: number;
  /** Average entry in (fractional) ticks. */
  averageTicks: number;
}

export interface TradeRecord {
  id: number;
  accountId: number;
  contract: GatewayContractSetup;
  createdAt: number;
  priceTicks: number;
  profitAndLoss: number | null;
  fees: number;
  side: OrderSideCode;
  size: number;
  orderId: number;
}

export const WORKING_STATUSES: ReadonlySet<number> = new Set([1, 6, 7, 8]);

export function renderOrder(order: OrderRecord, style: TimestampStyle): GatewayOrder {
  const tick = order.contract.tickSize;
  return {
    id: order.id,
    accountId: order.accountId,
    contractId: order.contract.id,
    symbolId: order.contract.symbolId,
    creationTimestamp: isoTimestamp(order.createdAt, style),
    updateTimestamp: order.updatedAt === null ? null : isoTimestamp(order.updatedAt, style),
    status: order.status,
    type: order.type,
    side: order.side,
    size: order.size,
    limitPrice: order.limitTicks === null ? null : priceOf(order.limitTicks, tick),
    stopPrice: order.stopTicks === null ? null : priceOf(order.stopTicks, tick),
    fillVolume: order.fillVolume,
    filledPrice: order.filledTicks === null ? null : priceOf(order.filledTicks, tick),
    customTag: order.customTag,
    trailDistance: order.trailTicks,
    // On read-back trailPrice is the trailing distance in price units (§8.4).
    trailPrice: order.trailTicks === null ? null : priceOf(order.trailTicks, tick),
    parentOrderId: order.parentOrderId,
    linkedOrderId: order.linkedOrderId,
  };
}

export function renderPosition(position: PositionRecord, style: TimestampStyle): GatewayPosition {
  const type: PositionTypeCode = position.netSize > 0 ? 1 : position.netSize < 0 ? 2 : 0;
  return {
    id: position.id,
    accountId: position.accountId,
    contractId: position.contract.id,
    contractDisplayName: position.contract.name,
    creationTimestamp: isoTimestamp(position.createdAt, style),
    type,
    size: Math.abs(position.netSize),
    averagePrice: Number((position.averageTicks * position.contract.tickSize).toFixed(9)),
  };
}

export function renderTrade(trade: TradeRecord, style: TimestampStyle): GatewayTrade {
  return {
    id: trade.id,
    accountId: trade.accountId,
    contractId: trade.contract.id,
    creationTimestamp: isoTimestamp(trade.createdAt, style),
    price: priceOf(trade.priceTicks, trade.contract.tickSize),
    profitAndLoss: trade.profitAndLoss,
    fees: trade.fees,
    commissions: 0,
    side: trade.side,
    size: trade.size,
    voided: false,
    orderId: trade.orderId,
  };
}
