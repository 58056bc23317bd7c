/**
 * What the terminal status shows, as plain values. The bot builds a StatusModel once per redraw from
 * the runtime (positions()), the guard state, the broker/market-data health and the write queue;
 * `positionStatusOf`/`pendingOrdersOf` turn the runtime's position views into rows.
 */

import type { GuardState } from '../../domain/guards.ts';
import { averageEntry, openQuantity } from '../../domain/pnl.ts';
import type { OrderSide, Side } from '../../domain/types.ts';
import type { PositionContext } from '../../ports/engine.ts';
import type { ExchangeHealth, HealthLevel } from '../../ports/index.ts';
import type { WriteQueueStatus } from '../../ports/store.ts';

export interface PositionStatus {
  readonly positionId: string;
  readonly symbol: string;
  /** pending_entry, active, tp1, tp2, tp3, exiting … */
  readonly state: string;
  readonly side: Side;
  /** Open contracts now. */
  readonly size: number;
  /** Contracts the plan asks for. */
  readonly plannedSize: number;
  /** Average fill price, or the planned entry while nothing has filled. */
  readonly entryPrice: number;
  readonly filled: boolean;
  readonly stop: number;
  readonly targets: readonly [number, number, number];
  /** Highest target reached: 0 none, 1..3. */
  readonly rung: 0 | 1 | 2 | 3;
  readonly lastPrice: number | null;
  readonly unrealizedPnl: number;
  readonly decimals: number;
}

export interface PendingOrderStatus {
  readonly symbol: string;
  readonly side: OrderSide;
  readonly kind: 'entry' | 'stop' | 'exit';
  /** null for market orders. */
  readonly price: number | null;
  /** Contracts still working. */
  readonly quantity: number;
  readonly status: string;
  readonly decimals: number;
}

export interface AlertStatus {
  /** Event time, epoch ms. */
  readonly at: number;
  readonly symbol: string;
  readonly action: string;
  /** opened, replaced, declined, filtered … */
  readonly decision: string;
  readonly reason: string;
}

export interface ConnectionStatus {
  readonly name: string;
  readonly level: HealthLevel;
  readonly detail?: string;
}

export interface GuardStatus {
  readonly state: GuardState;
  /** Dollars; 0 disables the guard. */
  readonly dailyLossLimit: number;
  /** The Maximum Loss Limit floor (end-of-day trailing, locked); null without one. */
  readonly lossLimitFloor: number | null;
  /** The bot stops this far above the floor. */
  readonly riskBuffer: number;
  /** Open P&L of every position now (counts against both guards). */
  readonly unrealizedPnl: number;
  /** Why the broker refuses orders (canTrade false), or null. */
  readonly brokerBlocked?: string | null;
  /** The broker's balance against the bot's (live accounts). */
  readonly balance?: {
    readonly broker: number;
    readonly difference: number;
    readonly mismatch: boolean;
  } | null;
}

/** One account's block when the bot trades several (each has its own venue, guards and book). */
export interface AccountStatus {
  readonly accountId: string;
  /** As the trader names it: "Combine A (12345)" (laneLabel). */
  readonly account: string;
  /** False: disabled in the accounts configuration (it manages what it holds, no new entries). */
  readonly enabled: boolean;
  /** The broker's canTrade for this account (null: not reported, e.g. paper). */
  readonly canTrade: boolean | null;
  readonly positions: readonly PositionStatus[];
  readonly pendingOrders: readonly PendingOrderStatus[];
  readonly lastAlert: AlertStatus | null;
  readonly connections: readonly ConnectionStatus[];
  readonly guards: GuardStatus | null;
}

export interface StatusModel {
  /** Wall time of this redraw, epoch ms (the status is an observer; it may read the clock). */
  readonly at: number;
  /** paper, live, dry-run … */
  readonly mode: string;
  readonly account?: string;
  /** Every position of every account (with `accounts`, each block holds its own). */
  readonly positions: readonly PositionStatus[];
  readonly pendingOrders: readonly PendingOrderStatus[];
  /** The newest decision of any account. */
  readonly lastAlert: AlertStatus | null;
  /** One account: its venue. Several: empty (each block has its own). */
  readonly connections: readonly ConnectionStatus[];
  /** One account: its guards. Several: null (each block has its own). */
  readonly guards: GuardStatus | null;
  readonly writeQueue: WriteQueueStatus | null;
  /** Several accounts: one block each, in the configured order; the renderers then draw these. */
  readonly accounts?: readonly AccountStatus[];
}

/** The runtime's PositionView, structurally (keeps this module free of the runtime). */
export interface PositionViewLike {
  readonly positionId: string;
  readonly symbol: string;
  readonly state: string;
  readonly context: PositionContext;
  readonly lastPrice: number | null;
  readonly unrealizedPnl: number;
}

export function positionStatusOf(view: PositionViewLike): PositionStatus {
  const ctx = view.context;
  const average = averageEntry(ctx);
  return {
    positionId: view.positionId,
    symbol: view.symbol,
    state: view.state,
    side: ctx.side,
    size: openQuantity(ctx),
    plannedSize: ctx.plan.quantity,
    entryPrice: average ?? ctx.plan.entryPrice,
    filled: average !== null,
    stop: ctx.stop,
    targets: [ctx.plan.tp1, ctx.plan.tp2, ctx.plan.tp3],
    rung: ctx.rung,
    lastPrice: view.lastPrice,
    unrealizedPnl: view.unrealizedPnl,
    decimals: ctx.grid.decimals,
  };
}

const WORKING: ReadonlySet<string> = new Set(['sent', 'working', 'cancelling']);

/** Working entry legs, the broker-side protective stop and any close orders in flight. */
export function pendingOrdersOf(view: PositionViewLike): PendingOrderStatus[] {
  const ctx = view.context;
  const entrySide: OrderSide = ctx.side === 'long' ? 'buy' : 'sell';
  const exitSide: OrderSide = ctx.side === 'long' ? 'sell' : 'buy';
  const decimals = ctx.grid.decimals;
  const orders: PendingOrderStatus[] = [];
  for (const leg of ctx.legs) {
    if (!WORKING.has(leg.status) || leg.quantity - leg.filled <= 0) continue;
    orders.push({
      symbol: view.symbol,
      side: entrySide,
      kind: 'entry',
      price: leg.price,
      quantity: leg.quantity - leg.filled,
      status: leg.status,
      decimals,
    });
  }
  if (ctx.stopQty > 0 && ctx.stopOrderPrice !== null) {
    orders.push({
      symbol: view.symbol,
      side: exitSide,
      kind: 'stop',
      price: ctx.stopOrderPrice,
      quantity: ctx.stopQty,
      status: 'working',
      decimals,
    });
  }
  if (ctx.exitPendingQty > 0) {
    orders.push({
      symbol: view.symbol,
      side: exitSide,
      kind: 'exit',
      price: null,
      quantity: ctx.exitPendingQty,
      status: ctx.exitReason ?? 'closing',
      decimals,
    });
  }
  return orders;
}

export interface StatusSources {
  readonly at: number;
  readonly mode: string;
  readonly account?: string;
  /** `runtime.positions()`. */
  readonly positions: readonly PositionViewLike[];
  readonly lastAlert?: AlertStatus | null;
  readonly connections?: readonly ConnectionStatus[];
  readonly guards?: GuardStatus | null;
  readonly writeQueue?: WriteQueueStatus | null;
}

/** The model for one redraw, from the runtime's position views and the bot's other state. */
export function buildStatusModel(sources: StatusSources): StatusModel {
  return {
    at: sources.at,
    mode: sources.mode,
    ...(sources.account === undefined ? {} : { account: sources.account }),
    positions: sources.positions.map(positionStatusOf),
    pendingOrders: sources.positions.flatMap(pendingOrdersOf),
    lastAlert: sources.lastAlert ?? null,
    connections: sources.connections ?? [],
    guards: sources.guards ?? null,
    writeQueue: sources.writeQueue ?? null,
  };
}

export interface AccountStatusSources {
  readonly accountId: string;
  readonly account: string;
  readonly enabled?: boolean;
  readonly canTrade?: boolean | null;
  /** That account's `runtime.positions()`. */
  readonly positions: readonly PositionViewLike[];
  readonly lastAlert?: AlertStatus | null;
  readonly connections?: readonly ConnectionStatus[];
  readonly guards?: GuardStatus | null;
}

/**
 * The model for a bot trading several accounts: one block per account, and the top-level book as
 * the sum of them (every position, the newest alert) for whatever reads only that.
 */
export function buildAccountsStatusModel(sources: {
  readonly at: number;
  readonly mode: string;
  readonly accounts: readonly AccountStatusSources[];
  readonly writeQueue?: WriteQueueStatus | null;
}): StatusModel {
  const accounts: AccountStatus[] = sources.accounts.map((a) => ({
    accountId: a.accountId,
    account: a.account,
    enabled: a.enabled ?? true,
    canTrade: a.canTrade ?? null,
    positions: a.positions.map(positionStatusOf),
    pendingOrders: a.positions.flatMap(pendingOrdersOf),
    lastAlert: a.lastAlert ?? null,
    connections: a.connections ?? [],
    guards: a.guards ?? null,
  }));
  const alerts = accounts.flatMap((a) => (a.lastAlert ? [a.lastAlert] : []));
  return {
    at: sources.at,
    mode: sources.mode,
    positions: accounts.flatMap((a) => a.positions),
    pendingOrders: accounts.flatMap((a) => a.pendingOrders),
    lastAlert: alerts.reduce<AlertStatus | null>(
      (last, a) => (last === null || a.at > last.at ? a : last),
      null,
    ),
    connections: [],
    guards: null,
    writeQueue: sources.writeQueue ?? null,
    accounts,
  };
}

/** What is left before each loss limit trips, counting open P&L the way the guards do; null: no such limit. */
export function guardHeadroomOf(g: GuardStatus): {
  readonly dailyLossLeft: number | null;
  readonly aboveFloor: number | null;
} {
  return {
    dailyLossLeft:
      g.dailyLossLimit > 0 ? g.dailyLossLimit + g.state.realizedPnlToday + g.unrealizedPnl : null,
    aboveFloor: g.lossLimitFloor === null ? null : g.state.equity + g.unrealizedPnl - g.lossLimitFloor,
  };
}

/** The signal processor's last decision (structurally) as the status's last alert. */
export function alertStatusOf(decision: {
  readonly ts: number;
  readonly symbol: string;
  readonly action: string;
  readonly status: string;
  readonly reason: string | null;
}): AlertStatus {
  return {
    at: decision.ts,
    symbol: decision.symbol,
    action: decision.action,
    decision: decision.status.toLowerCase(),
    reason: decision.reason ?? '',
  };
}

/** Broker/market-data health as connection rows. */
export function connectionsOf(health: ExchangeHealth): ConnectionStatus[] {
  const detail = health.reason ? { detail: health.reason } : {};
  return [
    { name: 'market data', level: health.marketData, ...(health.marketData === 'green' ? {} : detail) },
    { name: 'user hub', level: health.userHub, ...(health.userHub === 'green' ? {} : detail) },
  ];
}
