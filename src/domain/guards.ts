/**
 * Prop-firm guards: daily loss limit, trailing drawdown, trading window and flat-by time.
 * `GuardState` is a plain value the store persists, so a restart keeps latched breaches; every
 * transition is a pure function of (state, input, event time), so backtests run the same guards.
 *
 * Choices (documented in docs/alerts.md):
 * - A breach latches and stays latched until `resetGuard` — a day roll does not clear it. The day
 *   roll only resets the day's realised P&L; the trailing drawdown's high-water mark carries over.
 * - Resetting the daily loss guard also zeroes the day's realised P&L (the trader accepted the loss
 *   so far); resetting the trailing drawdown moves the high-water mark to the current equity.
 * - Equity is starting balance + realised P&L; open P&L counts for breaches when the caller passes it.
 * - The flat-by period runs from `flatByTime` (local, settings' zone) until the CME session reopens at
 *   17:00 Chicago; the guard only blocks entries and asks to flatten — closing is always allowed.
 */

import {
  CME_SESSION_OPEN_MINUTES,
  CME_ZONE,
  formatClock,
  inClockWindow,
  localTime,
  parseClock,
  tradingDayId,
} from './session-time.ts';
import type { BotSettings } from './settings.ts';

export interface GuardLatch {
  readonly reason: string;
  /** Event time of the breach, epoch ms. */
  readonly at: number;
}

export interface GuardState {
  /** CME trading day the daily figures belong to (see tradingDayId). */
  readonly tradingDay: string;
  readonly realizedPnlToday: number;
  /** Starting balance + every realised P&L. */
  readonly equity: number;
  readonly highWaterMark: number;
  readonly dailyLoss: GuardLatch | null;
  readonly trailingDrawdown: GuardLatch | null;
}

export type GuardSettings = Pick<
  BotSettings,
  | 'dailyLossLimit'
  | 'trailingDrawdown'
  | 'tradingWindowStart'
  | 'tradingWindowEnd'
  | 'flatByTime'
  | 'timeZone'
  | 'startingBalance'
>;

export type GuardName = 'dailyLoss' | 'trailingDrawdown';

export interface ClosedTradePnl {
  /** Net P&L of the trade in dollars (after costs). */
  readonly netPnl: number;
  /** Exit time, epoch ms. */
  readonly exitTime: number;
}

export type GuardCode = 'daily_loss' | 'trailing_drawdown' | 'flat_by' | 'trading_window';

export type GuardCheck =
  | { readonly allowed: true; readonly reason: null; readonly flattenNow: false }
  | {
      readonly allowed: false;
      readonly code: GuardCode;
      readonly reason: string;
      readonly flattenNow: boolean;
    };

export function initialGuardState(settings: Pick<GuardSettings, 'startingBalance'>, ts: number): GuardState {
  return {
    tradingDay: tradingDayId(ts),
    realizedPnlToday: 0,
    equity: settings.startingBalance,
    highWaterMark: settings.startingBalance,
    dailyLoss: null,
    trailingDrawdown: null,
  };
}

/** Start a new trading day when `ts` belongs to a later one: the day's P&L resets, latches stay. */
export function rollDay(state: GuardState, ts: number): GuardState {
  const day = tradingDayId(ts);
  if (day <= state.tradingDay) return state;
  return { ...state, tradingDay: day, realizedPnlToday: 0 };
}

/** Book a closed trade's P&L (rolling the day first) and latch any breach it causes. */
export function applyTrade(state: GuardState, trade: ClosedTradePnl, settings: GuardSettings): GuardState {
  const rolled = rollDay(state, trade.exitTime);
  const equity = rolled.equity + trade.netPnl;
  const next: GuardState = {
    ...rolled,
    realizedPnlToday: rolled.realizedPnlToday + trade.netPnl,
    equity,
    highWaterMark: Math.max(rolled.highWaterMark, equity),
  };
  return latchBreaches(next, settings, trade.exitTime, 0);
}

/** Latch breaches that open P&L causes right now (call on marks while positions are open). */
export function markToMarket(
  state: GuardState,
  settings: GuardSettings,
  ts: number,
  unrealizedPnl: number,
): GuardState {
  return latchBreaches(rollDay(state, ts), settings, ts, unrealizedPnl);
}

/** Manual reset of one guard. */
export function resetGuard(state: GuardState, which: GuardName): GuardState {
  if (which === 'dailyLoss') return { ...state, dailyLoss: null, realizedPnlToday: 0 };
  return { ...state, trailingDrawdown: null, highWaterMark: state.equity };
}

/** May a new entry be made at `ts`, and must open positions be flattened now? */
export function checkGuards(
  state: GuardState,
  settings: GuardSettings,
  ts: number,
  unrealizedPnl = 0,
): GuardCheck {
  const current = latchBreaches(rollDay(state, ts), settings, ts, unrealizedPnl);
  if (current.dailyLoss) return blocked('daily_loss', current.dailyLoss.reason, true);
  if (current.trailingDrawdown) return blocked('trailing_drawdown', current.trailingDrawdown.reason, true);

  const local = localTime(ts, settings.timeZone);
  if (settings.flatByTime) {
    const flatBy = parseClock(settings.flatByTime, 'flatByTime');
    const chicago = localTime(ts, CME_ZONE);
    if (local.minutesOfDay >= flatBy && chicago.minutesOfDay < CME_SESSION_OPEN_MINUTES) {
      return blocked(
        'flat_by',
        `GUARD: flat-by time — it is ${formatClock(local.minutesOfDay)} ${settings.timeZone}, flat by ${settings.flatByTime} until the session reopens`,
        true,
      );
    }
  }
  if (settings.tradingWindowStart && settings.tradingWindowEnd) {
    const start = parseClock(settings.tradingWindowStart, 'tradingWindowStart');
    const end = parseClock(settings.tradingWindowEnd, 'tradingWindowEnd');
    if (!inClockWindow(local.minutesOfDay, start, end)) {
      return blocked(
        'trading_window',
        `GUARD: trading window — it is ${formatClock(local.minutesOfDay)} ${settings.timeZone}, entries only ${settings.tradingWindowStart}–${settings.tradingWindowEnd}`,
        false,
      );
    }
  }
  return { allowed: true, reason: null, flattenNow: false };
}

function blocked(code: GuardCode, reason: string, flattenNow: boolean): GuardCheck {
  return { allowed: false, code, reason, flattenNow };
}

function latchBreaches(
  state: GuardState,
  settings: GuardSettings,
  ts: number,
  unrealizedPnl: number,
): GuardState {
  let next = state;
  const dayPnl = state.realizedPnlToday + unrealizedPnl;
  if (!next.dailyLoss && settings.dailyLossLimit > 0 && dayPnl <= -settings.dailyLossLimit) {
    next = {
      ...next,
      dailyLoss: {
        at: ts,
        reason: `GUARD: daily loss limit — ${money(-dayPnl)} lost today (limit ${money(settings.dailyLossLimit)}); flattened and latched until a manual reset`,
      },
    };
  }
  const drawdown = state.highWaterMark - (state.equity + unrealizedPnl);
  if (!next.trailingDrawdown && settings.trailingDrawdown > 0 && drawdown >= settings.trailingDrawdown) {
    next = {
      ...next,
      trailingDrawdown: {
        at: ts,
        reason: `GUARD: trailing drawdown — equity ${money(state.equity + unrealizedPnl)} is ${money(drawdown)} below its high of ${money(state.highWaterMark)} (limit ${money(settings.trailingDrawdown)}); flattened and latched until a manual reset`,
      },
    };
  }
  return next;
}

function money(dollars: number): string {
  const sign = dollars < 0 ? '-' : '';
  return `${sign}$${Math.abs(dollars).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}
