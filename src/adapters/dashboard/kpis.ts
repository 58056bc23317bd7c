/**
 * KPI cards: every figure comes from computeMetrics (src/domain/metrics.ts) over the trades log, so
 * the dashboard and the backtest reports always agree; guard headroom from the stored guard state.
 */
import { type GuardState, startingBalanceOf } from '../../domain/guards.ts';
import { getInstrument, pointValue } from '../../domain/instruments.ts';
import { computeMetrics, dayLabel, globexDayNumber, type TradeLike } from '../../domain/metrics.ts';
import { roundCents } from '../../domain/pnl.ts';
import type { BotSettings } from '../../domain/settings.ts';
import type { GuardStateRecord, StoredTrade } from '../../ports/store.ts';

export interface GuardHeadroom {
  readonly accountId: string;
  readonly tradingDay: string;
  /** Dollars left before the daily loss limit latches; null when the guard is off. */
  readonly dailyLossHeadroom: number | null;
  readonly dailyLossLimit: number;
  readonly dailyRealizedPnl: number;
  /** Dollars of equity above the trailing-drawdown floor; null when the guard is off. */
  readonly drawdownHeadroom: number | null;
  readonly drawdownFloor: number | null;
  readonly equity: number;
  readonly dailyLossLatched: boolean;
  readonly drawdownLatched: boolean;
  readonly latchedReason: string | null;
}

export interface Kpis {
  readonly openPositions: number;
  /** Open (unrealised) P&L of live positions, when the engine is attached. */
  readonly openPnl: number | null;
  readonly tradingDay: string;
  readonly todayPnl: number;
  readonly todayTrades: number;
  readonly totalPnl: number;
  readonly trades: number;
  /** 0–1; null with no wins and no losses. */
  readonly winRate: number | null;
  readonly profitFactor: number | null;
  readonly maxDrawdown: number;
  readonly guards: readonly GuardHeadroom[];
  readonly metricsDefinition: string;
}

export function tradeLike(trade: StoredTrade): TradeLike {
  const instrument = getInstrument(trade.symbol);
  return {
    positionId: trade.positionId,
    symbol: trade.symbol,
    side: trade.side,
    quantity: trade.quantity,
    entryPrice: trade.entryPrice,
    exitPrice: trade.exitPrice,
    entryTime: trade.entryTime,
    exitTime: trade.exitTime,
    netPnl: trade.netPnl,
    commissions: trade.commissions,
    exitReason: trade.exitReason,
    highestTarget: trade.highestTarget,
    initialStop: trade.initialStop,
    // Unknown symbols only lose the R multiple, which the cards do not show.
    pointValue: instrument ? pointValue(instrument) : 1,
  };
}

export function guardHeadroom(
  state: GuardStateRecord,
  settings: Pick<BotSettings, 'dailyLossLimit' | 'trailingDrawdown'>,
): GuardHeadroom {
  const equity = roundCents(state.dayStartBalance + state.dailyRealizedPnl);
  const floor =
    settings.trailingDrawdown > 0 ? roundCents(state.highWaterMark - settings.trailingDrawdown) : null;
  return {
    accountId: state.accountId,
    tradingDay: state.tradingDay,
    dailyLossLimit: settings.dailyLossLimit,
    dailyRealizedPnl: state.dailyRealizedPnl,
    dailyLossHeadroom:
      settings.dailyLossLimit > 0
        ? roundCents(Math.max(0, settings.dailyLossLimit + state.dailyRealizedPnl))
        : null,
    drawdownFloor: floor,
    drawdownHeadroom: floor === null ? null : roundCents(Math.max(0, equity - floor)),
    equity,
    dailyLossLatched: state.dailyLossLatched,
    drawdownLatched: state.drawdownLatched,
    latchedReason: state.latchedReason,
  };
}

/** Headroom from the processor's in-memory guard state (src/domain/guards.ts), fresher than the stored row. */
export function guardHeadroomFromState(
  accountId: string,
  state: GuardState,
  settings: Pick<BotSettings, 'dailyLossLimit' | 'trailingDrawdown'>,
): GuardHeadroom {
  const floor =
    settings.trailingDrawdown > 0 ? roundCents(state.highWaterMark - settings.trailingDrawdown) : null;
  return {
    accountId,
    tradingDay: state.tradingDay,
    dailyLossLimit: settings.dailyLossLimit,
    dailyRealizedPnl: roundCents(state.realizedPnlToday),
    dailyLossHeadroom:
      settings.dailyLossLimit > 0
        ? roundCents(Math.max(0, settings.dailyLossLimit + state.realizedPnlToday))
        : null,
    drawdownFloor: floor,
    drawdownHeadroom: floor === null ? null : roundCents(Math.max(0, state.equity - floor)),
    equity: roundCents(state.equity),
    dailyLossLatched: state.dailyLoss !== null,
    drawdownLatched: state.trailingDrawdown !== null,
    latchedReason: state.dailyLoss?.reason ?? state.trailingDrawdown?.reason ?? null,
  };
}

export function computeKpis(input: {
  readonly trades: readonly StoredTrade[];
  readonly settings: Pick<
    BotSettings,
    'startingBalance' | 'dailyLossLimit' | 'trailingDrawdown' | 'accountRules' | 'maxPosition'
  >;
  readonly guardStates: readonly GuardStateRecord[];
  /** Live guard states; they replace stored rows of the same account. */
  readonly liveGuards?: readonly { readonly accountId: string; readonly state: GuardState }[];
  readonly openPositions: number;
  readonly openPnl: number | null;
  readonly now: number;
}): Kpis {
  const trades = input.trades.map(tradeLike);
  const first = trades.reduce((min, t) => Math.min(min, t.entryTime), input.now);
  const to = Math.max(input.now, ...trades.map((t) => t.exitTime)) + 1;
  const metrics = computeMetrics(trades, {
    startingBalance: startingBalanceOf(input.settings),
    from: first,
    to,
  });
  const today = dayLabel(globexDayNumber(input.now));
  const todayTrades = trades.filter((t) => t.quantity > 0 && dayLabel(globexDayNumber(t.exitTime)) === today);
  return {
    openPositions: input.openPositions,
    openPnl: input.openPnl === null ? null : roundCents(input.openPnl),
    tradingDay: today,
    todayPnl: roundCents(todayTrades.reduce((sum, t) => sum + t.netPnl, 0)),
    todayTrades: todayTrades.length,
    totalPnl: metrics.totalNetPnl,
    trades: metrics.trades,
    winRate: metrics.winRate,
    profitFactor: metrics.profitFactor,
    maxDrawdown: metrics.maxDrawdown,
    guards: [
      ...(input.liveGuards ?? []).map((g) => guardHeadroomFromState(g.accountId, g.state, input.settings)),
      ...input.guardStates
        .filter((g) => !input.liveGuards?.some((l) => l.accountId === g.accountId))
        .map((g) => guardHeadroom(g, input.settings)),
    ],
    metricsDefinition: metrics.definition,
  };
}
