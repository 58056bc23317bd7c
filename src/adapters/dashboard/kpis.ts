/**
 * KPI cards: every figure comes from computeMetrics (src/domain/metrics.ts) over the trades log, so
 * the dashboard and the backtest reports always agree; guard headroom from the stored guard state.
 */
import { lossLimitFloor, resolveAccountRules } from '../../domain/account-rules.ts';
import { type GuardState, startingBalanceOf } from '../../domain/guards.ts';
import { getInstrument, pointValue } from '../../domain/instruments.ts';
import { computeMetrics, dayLabel, globexDayNumber, type TradeLike } from '../../domain/metrics.ts';
import { roundCents } from '../../domain/pnl.ts';
import type { BotSettings } from '../../domain/settings.ts';
import type { GuardStateRecord, StoredTrade } from '../../ports/store.ts';

export interface GuardHeadroom {
  readonly accountId: string;
  /** The account's name (live guards of a bot trading several accounts). */
  readonly accountName?: string;
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
  /** The account rules profile (src/domain/data/account-rules.json). */
  readonly rules: string;
  /** The broker's balance against the bot's (live accounts); null on paper or before the first read. */
  readonly broker: {
    readonly balance: number;
    readonly difference: number;
    readonly mismatch: boolean;
  } | null;
  /** Why the broker refuses orders (canTrade false), or null. */
  readonly brokerBlocked: string | null;
}

export type HeadroomSettings = Pick<
  BotSettings,
  'startingBalance' | 'dailyLossLimit' | 'trailingDrawdown' | 'accountRules' | 'maxPosition'
>;

/** The loss-limit floor as the guards have it: trailing the end-of-day high, locked at the starting balance. */
function floorOf(highWaterMark: number, settings: HeadroomSettings): number | null {
  const floor = lossLimitFloor(resolveAccountRules(settings), highWaterMark);
  return floor === null ? null : roundCents(floor);
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

export function guardHeadroom(state: GuardStateRecord, settings: HeadroomSettings): GuardHeadroom {
  const equity = roundCents(state.dayStartBalance + state.dailyRealizedPnl);
  const floor = floorOf(state.highWaterMark, settings);
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
    rules: resolveAccountRules(settings).label,
    broker: null,
    brokerBlocked: null,
  };
}

/** Headroom from the processor's in-memory guard state (src/domain/guards.ts), fresher than the stored row. */
export function guardHeadroomFromState(
  accountId: string,
  state: GuardState,
  settings: HeadroomSettings,
  live: LiveAccount = {},
): GuardHeadroom {
  const floor = floorOf(state.highWaterMark, settings);
  return {
    accountId,
    ...(live.name === undefined ? {} : { accountName: live.name }),
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
    rules: resolveAccountRules(settings).label,
    broker: live.balance
      ? { balance: live.balance.broker, difference: live.balance.difference, mismatch: live.balance.mismatch }
      : null,
    brokerBlocked: live.brokerBlocked ?? null,
  };
}

/** What the live bot knows of the broker's account beyond the guard state. */
export interface LiveAccount {
  /** The account's name, shown beside its id. */
  readonly name?: string;
  /** The account's own settings (its limits and rules); the shared settings otherwise. */
  readonly settings?: HeadroomSettings;
  readonly balance?: {
    readonly broker: number;
    readonly difference: number;
    readonly mismatch: boolean;
  } | null;
  readonly brokerBlocked?: string | null;
}

export function computeKpis(input: {
  readonly trades: readonly StoredTrade[];
  readonly settings: HeadroomSettings;
  readonly guardStates: readonly GuardStateRecord[];
  /** Live guard states; they replace stored rows of the same account. */
  readonly liveGuards?: readonly ({ readonly accountId: string; readonly state: GuardState } & LiveAccount)[];
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
      ...(input.liveGuards ?? []).map((g) =>
        guardHeadroomFromState(g.accountId, g.state, g.settings ?? input.settings, g),
      ),
      ...input.guardStates
        .filter((g) => !input.liveGuards?.some((l) => l.accountId === g.accountId))
        .map((g) => guardHeadroom(g, input.settings)),
    ],
    metricsDefinition: metrics.definition,
  };
}

/**
 * One account in the all-accounts view: its book and how far each loss limit is. The headroom
 * counts open P&L, as the guards do (the guard card's `dailyLossHeadroom` is realised only).
 */
export interface AccountOverview {
  readonly accountId: string;
  readonly name: string;
  readonly openPositions: number;
  /** Unrealised P&L of its live positions. */
  readonly openPnl: number;
  /** Today's realised P&L by its guards; null before they have a state. */
  readonly realizedPnlToday: number | null;
  /** Dollars left before the daily loss limit, open P&L included; null: no limit (or no state). */
  readonly dailyLossLeft: number | null;
  /** Balance plus open P&L above the Maximum Loss Limit floor; null: no floor (or no state). */
  readonly aboveFloor: number | null;
  /** The balance as the bot counts it (the broker's figure wins on a live account). */
  readonly balance: number | null;
  /** Its live guard headroom: limits, floor, latches, the broker's balance and block. */
  readonly guard: GuardHeadroom | null;
}

/** Every account, in the order given, with its open positions and its live guard headroom. */
export function accountOverviews(input: {
  readonly accounts: readonly { readonly accountId: string; readonly name: string }[];
  readonly positions: readonly {
    readonly accountId: string;
    readonly state: string;
    readonly unrealizedPnl: number;
  }[];
  readonly guards: readonly GuardHeadroom[];
}): AccountOverview[] {
  return input.accounts.map(({ accountId, name }) => {
    const open = input.positions.filter(
      (p) => p.accountId === accountId && p.state !== 'closed' && p.state !== 'cancelled',
    );
    const openPnl = roundCents(open.reduce((sum, p) => sum + p.unrealizedPnl, 0));
    const guard = input.guards.find((g) => g.accountId === accountId) ?? null;
    return {
      accountId,
      name,
      openPositions: open.length,
      openPnl,
      realizedPnlToday: guard?.dailyRealizedPnl ?? null,
      dailyLossLeft:
        guard && guard.dailyLossHeadroom !== null
          ? roundCents(Math.max(0, guard.dailyLossLimit + guard.dailyRealizedPnl + openPnl))
          : null,
      aboveFloor:
        guard && guard.drawdownFloor !== null
          ? roundCents(guard.equity + openPnl - guard.drawdownFloor)
          : null,
      balance: guard?.equity ?? null,
      guard,
    };
  });
}
