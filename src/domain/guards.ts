/**
 * Prop-firm guards: the Maximum Loss Limit (end-of-day trailing, locked at the starting balance) with
 * a buffer above it, the personal daily loss limit, the trading window, "no new entries after",
 * "flatten at" and the CME holiday and early-close calendar. `GuardState` is a plain value the store
 * persists, so a restart keeps latched breaches; every transition is a pure function of (state,
 * input, event time), so backtests run exactly the same guards. The rules and their sources:
 * docs/risk.md.
 *
 * - The balance is the account's (live: the broker's figure wins, see `syncBalance`); the loss-limit
 *   floor trails the end-of-day balance high: the high moves only at the trading-day roll (17:00 CT).
 * - The loss-limit guard trips at the floor + riskBuffer (open P&L included), flattens, and latches
 *   until a manual reset; the reset clears the latch, never the floor (the floor is the firm's).
 * - The daily loss limit counts the day's realised and open P&L. 'liquidate_and_block' latches until
 *   the next trading day (17:00 CT), live and in backtests alike; 'liquidate' flattens whenever the
 *   day's loss is at the limit and refuses entries while it is (the room check would anyway).
 * - "No new entries after" only blocks entries; "flatten at" blocks and flattens. Both last until the
 *   session reopens at 17:00 CT and move earlier on an early-close day by the same margin they keep
 *   before Topstep's 15:10 CT deadline on a normal day. A closed day refuses entries.
 */

import { type AccountRules, FLAT_DEADLINE_CT, lossLimitFloor, resolveAccountRules } from './account-rules.ts';
import { CalendarCoverageError, cmeSessionDay, productGroup } from './calendar.ts';
import { money } from './format.ts';
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
  /** The account balance: starting balance + every realised P&L (live: the broker's figure). */
  readonly equity: number;
  /** The end-of-day balance high the loss limit trails (moves only at the day roll). */
  readonly highWaterMark: number;
  readonly dailyLoss: GuardLatch | null;
  readonly trailingDrawdown: GuardLatch | null;
}

export type GuardSettings = Pick<
  BotSettings,
  | 'accountRules'
  | 'dailyLossLimit'
  | 'dailyLossAction'
  | 'trailingDrawdown'
  | 'maxPosition'
  | 'riskBuffer'
  | 'tradingWindowStart'
  | 'tradingWindowEnd'
  | 'noNewEntriesAfter'
  | 'flatByTime'
  | 'cmeCalendar'
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

export type GuardCode =
  | 'daily_loss'
  | 'trailing_drawdown'
  | 'flat_by'
  | 'no_new_entries'
  | 'trading_window'
  | 'market_closed'
  | 'calendar';

export type GuardCheck =
  | { readonly allowed: true; readonly reason: null; readonly flattenNow: false }
  | {
      readonly allowed: false;
      readonly code: GuardCode;
      readonly reason: string;
      readonly flattenNow: boolean;
    };

const DEADLINE_CT_MINUTES = parseClock(FLAT_DEADLINE_CT, 'flatDeadlineCt');

/** The starting balance of the selected rules (a profile's, or the setting for 'custom'). */
export function startingBalanceOf(
  settings: Pick<GuardSettings, 'accountRules' | 'startingBalance' | 'trailingDrawdown' | 'maxPosition'>,
): number {
  return resolveAccountRules(settings).startingBalance;
}

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

/**
 * Start a new trading day when `ts` belongs to a later one: the balance at the roll is the finished
 * day's end-of-day balance (the loss limit trails it), the day's P&L resets and so does the daily
 * loss latch (the personal limit resets at 17:00 CT); the loss-limit latch stays.
 */
export function rollDay(state: GuardState, ts: number): GuardState {
  const day = tradingDayId(ts);
  if (day <= state.tradingDay) return state;
  return {
    ...state,
    tradingDay: day,
    realizedPnlToday: 0,
    highWaterMark: Math.max(state.highWaterMark, state.equity),
    dailyLoss: null,
  };
}

/** Book a closed trade's P&L (rolling the day first) and latch any breach it causes. */
export function applyTrade(state: GuardState, trade: ClosedTradePnl, settings: GuardSettings): GuardState {
  const rolled = rollDay(state, trade.exitTime);
  const next: GuardState = {
    ...rolled,
    realizedPnlToday: rolled.realizedPnlToday + trade.netPnl,
    equity: rolled.equity + trade.netPnl,
  };
  return latchBreaches(next, settings, trade.exitTime, 0);
}

/**
 * The broker's balance replaces the bot's own (manual trades, fees, earlier days). The difference
 * moves the day's realised P&L with it, so the daily limit counts what the account really lost.
 */
export function syncBalance(
  state: GuardState,
  balance: number,
  ts: number,
  settings: GuardSettings,
): GuardState {
  return withBalance(state, balance, ts, settings, 'today');
}

/**
 * Start from the broker's balance (the bot starts, or its state is fresh): the difference is the
 * account's history, not today's P&L. The end-of-day high is raised to it when it is higher (the bot
 * cannot know an earlier high; taking today's balance keeps the floor on the safe side).
 */
export function seedBalance(
  state: GuardState,
  balance: number,
  ts: number,
  settings: GuardSettings,
): GuardState {
  return withBalance(state, balance, ts, settings, 'history');
}

/** The balance set to the broker's, the difference counted as today's P&L or as history. */
function withBalance(
  state: GuardState,
  balance: number,
  ts: number,
  settings: GuardSettings,
  difference: 'today' | 'history',
): GuardState {
  const rolled = rollDay(state, ts);
  if (difference === 'today' && balance === rolled.equity) return rolled;
  const next: GuardState =
    difference === 'today'
      ? { ...rolled, equity: balance, realizedPnlToday: rolled.realizedPnlToday + balance - rolled.equity }
      : { ...rolled, equity: balance, highWaterMark: Math.max(rolled.highWaterMark, balance) };
  return latchBreaches(next, settings, ts, 0);
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

/** Manual reset of one guard. The loss-limit floor itself never moves: it is the firm's. */
export function resetGuard(state: GuardState, which: GuardName): GuardState {
  if (which === 'dailyLoss') return { ...state, dailyLoss: null, realizedPnlToday: 0 };
  return { ...state, trailingDrawdown: null };
}

/** The floors under the balance: the loss limit's (trailing, locked) and the day's. */
export interface Floors {
  readonly lossLimit: number | null;
  readonly daily: number | null;
  /** The higher of the two, null when neither applies. */
  readonly effective: number | null;
}

export function floorsOf(state: GuardState, settings: GuardSettings, rules?: AccountRules): Floors {
  const lossLimit = lossLimitFloor(rules ?? resolveAccountRules(settings), state.highWaterMark);
  const daily =
    settings.dailyLossLimit > 0 ? state.equity - state.realizedPnlToday - settings.dailyLossLimit : null;
  const effective = lossLimit === null ? daily : daily === null ? lossLimit : Math.max(lossLimit, daily);
  return { lossLimit, daily, effective };
}

/**
 * May a new entry be made at `ts` (for `symbols`, the calendar's products), and must open positions
 * be flattened now? `unrealizedPnl` is the open P&L of every position.
 */
export function checkGuards(
  state: GuardState,
  settings: GuardSettings,
  ts: number,
  unrealizedPnl = 0,
  symbols: readonly string[] = [],
): GuardCheck {
  const current = latchBreaches(rollDay(state, ts), settings, ts, unrealizedPnl);
  if (current.dailyLoss) return blocked('daily_loss', current.dailyLoss.reason, true);
  if (current.trailingDrawdown) return blocked('trailing_drawdown', current.trailingDrawdown.reason, true);
  const day = dailyLossReached(current, settings, unrealizedPnl);
  if (day) return blocked('daily_loss', day, true);

  const local = localTime(ts, settings.timeZone);
  const chicago = localTime(ts, CME_ZONE);
  const calendar = settings.cmeCalendar ? calendarFor(symbols, tradingDayId(ts)) : NORMAL_DAY;
  if (typeof calendar === 'string') return blocked('calendar', calendar, false);
  if (calendar.closed) {
    return blocked(
      'market_closed',
      `GUARD: market closed — CME is closed for ${calendar.name} (trading day ${tradingDayId(ts)})`,
      false,
    );
  }
  if (chicago.minutesOfDay < CME_SESSION_OPEN_MINUTES) {
    const flatten = sessionCut(settings.flatByTime, 'flatByTime', local, chicago, calendar);
    if (flatten !== null && chicago.minutesOfDay >= flatten.atCt) {
      return blocked(
        'flat_by',
        `GUARD: flatten-at time — it is ${formatClock(chicago.minutesOfDay)} CT, flat from ${formatClock(flatten.atCt)} CT${flatten.note} until the session reopens at 17:00 CT`,
        true,
      );
    }
    const noEntries = sessionCut(settings.noNewEntriesAfter, 'noNewEntriesAfter', local, chicago, calendar);
    if (noEntries !== null && chicago.minutesOfDay >= noEntries.atCt) {
      return blocked(
        'no_new_entries',
        `GUARD: no new entries after ${formatClock(noEntries.atCt)} CT${noEntries.note} — it is ${formatClock(chicago.minutesOfDay)} CT; entries again from 17:00 CT`,
        false,
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

interface CalendarDay {
  readonly closed: boolean;
  readonly name: string | null;
  /** Earliest early close among the products, minutes after midnight CT; null: a normal day. */
  readonly earlyCloseCt: number | null;
}

const NORMAL_DAY: CalendarDay = { closed: false, name: null, earlyCloseCt: null };

/** The calendar day of the products traded; a reason string when the calendar does not cover it. */
function calendarFor(symbols: readonly string[], tradingDay: string): CalendarDay | string {
  let day = NORMAL_DAY;
  for (const symbol of symbols) {
    const group = productGroup(symbol);
    if (!group) continue;
    let session: ReturnType<typeof cmeSessionDay>;
    try {
      session = cmeSessionDay(tradingDay, group);
    } catch (error) {
      if (error instanceof CalendarCoverageError) return `GUARD: calendar — ${error.message}`;
      throw error;
    }
    if (session.closed) return { closed: true, name: session.name, earlyCloseCt: null };
    const close = session.earlyCloseMinutesCt;
    if (close !== null && (day.earlyCloseCt === null || close < day.earlyCloseCt))
      day = { closed: false, name: session.name, earlyCloseCt: close };
  }
  return day;
}

/**
 * When a local "HH:MM" cut falls that trading day, in minutes CT: on an early-close day it keeps the
 * margin it has before the 15:10 CT deadline, counted back from the early close.
 */
function sessionCut(
  clock: string,
  field: string,
  local: { readonly minutesOfDay: number },
  chicago: { readonly minutesOfDay: number },
  calendar: CalendarDay,
): { readonly atCt: number; readonly note: string } | null {
  if (!clock) return null;
  let offset = local.minutesOfDay - chicago.minutesOfDay;
  if (offset > 720) offset -= 1440;
  if (offset <= -720) offset += 1440;
  const atCt = parseClock(clock, field) - offset;
  if (calendar.earlyCloseCt === null) return { atCt, note: '' };
  const margin = Math.max(0, DEADLINE_CT_MINUTES - atCt);
  const early = Math.min(atCt, calendar.earlyCloseCt - margin);
  return { atCt: early, note: ` (${calendar.name}: CME closes at ${formatClock(calendar.earlyCloseCt)} CT)` };
}

function blocked(code: GuardCode, reason: string, flattenNow: boolean): GuardCheck {
  return { allowed: false, code, reason, flattenNow };
}

/** 'liquidate': the day's loss is at the limit right now (no latch). */
function dailyLossReached(state: GuardState, settings: GuardSettings, unrealizedPnl: number): string | null {
  if (settings.dailyLossAction !== 'liquidate' || !(settings.dailyLossLimit > 0)) return null;
  const dayPnl = state.realizedPnlToday + unrealizedPnl;
  if (dayPnl > -settings.dailyLossLimit) return null;
  return `GUARD: daily loss limit — ${money(-dayPnl)} lost today (limit ${money(settings.dailyLossLimit)}, liquidate): flattened; entries refused while the day's loss is at the limit`;
}

function latchBreaches(
  state: GuardState,
  settings: GuardSettings,
  ts: number,
  unrealizedPnl: number,
): GuardState {
  let next = state;
  const dayPnl = state.realizedPnlToday + unrealizedPnl;
  if (
    !next.dailyLoss &&
    settings.dailyLossAction !== 'liquidate' &&
    settings.dailyLossLimit > 0 &&
    dayPnl <= -settings.dailyLossLimit
  ) {
    next = {
      ...next,
      dailyLoss: {
        at: ts,
        reason: `GUARD: daily loss limit — ${money(-dayPnl)} lost today (limit ${money(settings.dailyLossLimit)}, liquidate and block): flattened, no entries until the trading day ends at 17:00 CT`,
      },
    };
  }
  if (!next.trailingDrawdown) {
    const rules = resolveAccountRules(settings);
    const floor = lossLimitFloor(rules, state.highWaterMark);
    const balance = state.equity + unrealizedPnl;
    if (floor !== null && balance <= floor + settings.riskBuffer) {
      const locked = floor === rules.startingBalance ? ', locked at the starting balance' : '';
      next = {
        ...next,
        trailingDrawdown: {
          at: ts,
          reason: `GUARD: loss limit — balance ${money(balance)}${unrealizedPnl !== 0 ? ' (open P&L included)' : ''} is within the ${money(settings.riskBuffer)} buffer above the Maximum Loss Limit ${money(floor)} (end-of-day high ${money(state.highWaterMark)} − ${money(rules.maxLossLimit)}${locked}); flattened and latched until a manual reset`,
        },
      };
    }
  }
  return next;
}
