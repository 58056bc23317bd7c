/**
 * Topstep risk-engine mode of the local gateway: the rules a Topstep account lives under, imitated on
 * the fake exchange so the bot can be tried against them.
 *
 * - Maximum Loss Limit, trailing the END-OF-DAY balance high: floor = min(start, eodHigh − limit),
 *   recomputed when the CME trading day turns (17:00 America/Chicago); once it reaches the starting
 *   balance it stays there (locked). Intraday, balance + open P&L ≤ floor fails the account: orders
 *   cancelled, positions flattened at the last price, canTrade false for good
 *   (help.topstep.com/en/articles/8284204-what-is-the-maximum-loss-limit, checked 2026-12-06).
 * - Maximum position size in minis (a micro is a tenth): opening orders beyond it are refused.
 * - Auto-liquidation at the deadline (15:10 CT): flatten, refuse opening orders until 17:00 CT.
 * - Optional daily loss limit: flatten, and with `liquidate_and_block` canTrade false until the next
 *   trading day.
 *
 * Rules run on every pushed price, before every placement and on `check()`; the clock is injected.
 */
import { money } from '../../src/domain/format.ts';
import {
  CME_SESSION_OPEN_MINUTES,
  CME_ZONE,
  formatClock,
  localTime,
  parseClock,
  tradingDayId,
} from '../../src/domain/session-time.ts';
import type { Exchange, PlaceOutcome, PlaceRequest } from './exchange.ts';
import type { GatewayAccountSetup, GatewayContractSetup, RiskEngineOptions } from './types.ts';
import { cents } from './wire-format.ts';

export type RiskEventKind =
  | 'day-end'
  | 'max-loss-breach'
  | 'deadline-flatten'
  | 'daily-loss'
  | 'daily-unblock'
  | 'order-refused';

export interface RiskEvent {
  readonly ts: number;
  readonly kind: RiskEventKind;
  readonly reason: string;
}

export interface RiskState {
  /** The account's balance (realised P&L less fees included). */
  readonly balance: number;
  /** Open P&L at the last prices. */
  readonly openPnl: number;
  /** Realised + open P&L since the trading day began. */
  readonly dayPnl: number;
  /** Maximum Loss Limit floor (null without an MLL). */
  readonly floor: number | null;
  /** Highest end-of-day balance so far (the starting balance before the first day ends). */
  readonly eodHigh: number;
  /** The floor reached the starting balance and trails no more. */
  readonly locked: boolean;
  readonly canTrade: boolean;
  /** The account failed the MLL for good. */
  readonly failed: boolean;
  /** Why the account cannot trade (or trade opening orders) right now; null when it can. */
  readonly reason: string | null;
  /** The CME trading day the engine is in (YYYY-MM-DD). */
  readonly tradingDay: string;
  readonly events: readonly RiskEvent[];
}

interface AccountRisk {
  readonly accountId: number;
  readonly options: RiskEngineOptions;
  readonly startingBalance: number;
  readonly flattenMinutes: number | null;
  eodHigh: number;
  floor: number | null;
  failed: boolean;
  failReason: string | null;
  dayBlocked: boolean;
  dayBlockReason: string | null;
  tradingDay: string;
  dayStartBalance: number;
  /** The trading day whose deadline flatten has run. */
  deadlineDoneFor: string | null;
  readonly events: RiskEvent[];
}

const UNIT_PER_MINI = 10;

export class RiskEngine {
  private readonly accounts = new Map<number, AccountRisk>();

  constructor(
    private readonly exchange: Exchange,
    private readonly now: () => number,
    settings: ReadonlyMap<number, RiskEngineOptions>,
  ) {
    const ts = now();
    for (const [accountId, options] of settings) {
      const account = exchange.account(accountId);
      if (!account) throw new Error(`riskEngine: unknown account ${accountId}`);
      const start = options.startingBalance ?? account.balance;
      exchange.setBalance(accountId, start);
      const flatten = options.flattenAtCt === undefined ? '15:10' : options.flattenAtCt;
      const flattenMinutes = flatten === null ? null : parseClock(flatten, 'riskEngine.flattenAtCt');
      if (flattenMinutes !== null && flattenMinutes >= CME_SESSION_OPEN_MINUTES) {
        throw new Error(`riskEngine.flattenAtCt "${flatten}" must be before the 17:00 CT session open`);
      }
      this.accounts.set(accountId, {
        accountId,
        options,
        startingBalance: start,
        flattenMinutes,
        eodHigh: start,
        floor: options.maxLossLimit === undefined ? null : floorOf(start, start, options.maxLossLimit),
        failed: false,
        failReason: null,
        dayBlocked: false,
        dayBlockReason: null,
        tradingDay: tradingDayId(ts),
        dayStartBalance: start,
        deadlineDoneFor: null,
        events: [],
      });
    }
    exchange.setPlaceGuard((account, contract, request) => this.beforePlace(account, contract, request));
  }

  covers(accountId: number): boolean {
    return this.accounts.has(accountId);
  }

  /** Run every rule of every covered account at the current clock. */
  check(): void {
    for (const risk of this.accounts.values()) this.checkAccount(risk);
  }

  state(accountId: number): RiskState {
    const risk = this.accounts.get(accountId);
    const account = this.exchange.account(accountId);
    if (!risk || !account) throw new Error(`riskState: account ${accountId} has no risk engine`);
    const openPnl = this.exchange.openPnl(accountId);
    return {
      balance: account.balance,
      openPnl,
      dayPnl: cents(account.balance + openPnl - risk.dayStartBalance),
      floor: risk.floor,
      eodHigh: risk.eodHigh,
      locked: risk.floor !== null && risk.floor >= risk.startingBalance,
      canTrade: account.canTrade,
      failed: risk.failed,
      reason: risk.failReason ?? risk.dayBlockReason ?? this.deadlineReason(risk),
      tradingDay: risk.tradingDay,
      events: risk.events.map((e) => ({ ...e })),
    };
  }

  private checkAccount(risk: AccountRisk): void {
    const ts = this.now();
    const account = this.exchange.account(risk.accountId);
    if (!account) return;
    const day = tradingDayId(ts);
    if (day !== risk.tradingDay) this.endDay(risk, account, day, ts);
    if (risk.failed) return;
    const equity = cents(account.balance + this.exchange.openPnl(risk.accountId));
    if (risk.floor !== null && equity <= risk.floor) {
      const reason = `Maximum Loss Limit breached: balance + open P&L ${money(equity)} ≤ floor ${money(risk.floor)}; account failed`;
      this.exchange.flattenAccount(risk.accountId);
      risk.failed = true;
      risk.failReason = reason;
      this.exchange.setCanTrade(risk.accountId, false);
      risk.events.push({ ts, kind: 'max-loss-breach', reason });
      return;
    }
    const limit = risk.options.dailyLossLimit;
    if (limit !== undefined) {
      const dayPnl = cents(equity - risk.dayStartBalance);
      const exposed =
        this.exchange.openPositions(risk.accountId).length > 0 ||
        this.exchange.workingOrders(risk.accountId).length > 0;
      if (dayPnl <= -limit && (exposed || (!risk.dayBlocked && this.blocksOnDailyLoss(risk)))) {
        const block = this.blocksOnDailyLoss(risk);
        const reason = `Daily loss limit reached: today's P&L ${money(dayPnl)} ≤ −${money(limit)}; ${
          block ? 'flattened, no trading until the next trading day (17:00 CT)' : 'flattened'
        }`;
        this.exchange.flattenAccount(risk.accountId);
        risk.events.push({ ts, kind: 'daily-loss', reason });
        if (block) {
          risk.dayBlocked = true;
          risk.dayBlockReason = reason;
          this.exchange.setCanTrade(risk.accountId, false);
        }
      }
    }
    if (this.pastDeadline(risk, ts) && risk.deadlineDoneFor !== risk.tradingDay) {
      risk.deadlineDoneFor = risk.tradingDay;
      const { cancelled, closed } = this.exchange.flattenAccount(risk.accountId);
      if (cancelled + closed > 0)
        risk.events.push({
          ts,
          kind: 'deadline-flatten',
          reason: `Auto-liquidation at ${formatClock(risk.flattenMinutes!)} CT: ${cancelled} order(s) cancelled, ${closed} position(s) flattened`,
        });
    }
  }

  /** The trading day turned: record the end-of-day balance, trail the floor, reset the daily rules. */
  private endDay(risk: AccountRisk, account: GatewayAccountSetup, day: string, ts: number): void {
    const eod = cents(account.balance + this.exchange.openPnl(risk.accountId));
    risk.eodHigh = Math.max(risk.eodHigh, eod);
    const limit = risk.options.maxLossLimit;
    if (limit !== undefined && !risk.failed) risk.floor = floorOf(risk.startingBalance, risk.eodHigh, limit);
    risk.events.push({
      ts,
      kind: 'day-end',
      reason: `Trading day ${risk.tradingDay} ended at ${money(eod)}; end-of-day high ${money(risk.eodHigh)}${
        risk.floor === null ? '' : `, floor ${money(risk.floor)}`
      }`,
    });
    risk.tradingDay = day;
    risk.dayStartBalance = account.balance;
    if (risk.dayBlocked) {
      risk.dayBlocked = false;
      risk.dayBlockReason = null;
      if (!risk.failed) this.exchange.setCanTrade(risk.accountId, true);
      risk.events.push({
        ts,
        kind: 'daily-unblock',
        reason: `Trading day ${day} began: trading allowed again`,
      });
    }
  }

  private beforePlace(
    account: GatewayAccountSetup,
    contract: GatewayContractSetup,
    request: PlaceRequest,
  ): PlaceOutcome | null {
    const risk = this.accounts.get(account.id);
    if (!risk) return null;
    this.checkAccount(risk);
    const ts = this.now();
    if (risk.failed || risk.dayBlocked) {
      return this.refuse(risk, ts, 10, `Account cannot trade: ${risk.failReason ?? risk.dayBlockReason}`);
    }
    if (request.reduceOnly || this.reduces(account.id, contract, request)) return null;
    if (this.pastDeadline(risk, ts)) {
      return this.refuse(risk, ts, 5, this.deadlineReason(risk)!);
    }
    const cap = risk.options.maxPositionMinis;
    if (cap !== undefined) {
      const held = this.exchange.netSize(account.id, contract.id);
      const signed = request.side === 0 ? request.size : -request.size;
      const weight = contract.micro ? 1 : UNIT_PER_MINI;
      let units = 0;
      for (const p of this.exchange.openPositions(account.id)) {
        units += Math.abs(p.netSize) * (p.contract.micro ? 1 : UNIT_PER_MINI);
      }
      const after = units - Math.abs(held) * weight + Math.abs(held + signed) * weight;
      if (after > cap * UNIT_PER_MINI) {
        return this.refuse(
          risk,
          ts,
          2,
          `Order exceeds the maximum position size of ${cap} contracts (micros count 1/10): the account would hold ${after / UNIT_PER_MINI} mini-equivalent contracts`,
        );
      }
    }
    return null;
  }

  /** Opposite side to the position and no larger than it: only reduces exposure. */
  private reduces(accountId: number, contract: GatewayContractSetup, request: PlaceRequest): boolean {
    const held = this.exchange.netSize(accountId, contract.id);
    if (held === 0 || !Number.isInteger(request.size) || request.size <= 0) return false;
    const opposite = (held > 0 && request.side === 1) || (held < 0 && request.side === 0);
    return opposite && request.size <= Math.abs(held);
  }

  private refuse(risk: AccountRisk, ts: number, errorCode: number, errorMessage: string): PlaceOutcome {
    risk.events.push({ ts, kind: 'order-refused', reason: errorMessage });
    return { errorCode, errorMessage, orderId: null };
  }

  private pastDeadline(risk: AccountRisk, ts: number): boolean {
    if (risk.flattenMinutes === null) return false;
    const minutes = localTime(ts, CME_ZONE).minutesOfDay;
    return minutes >= risk.flattenMinutes && minutes < CME_SESSION_OPEN_MINUTES;
  }

  private deadlineReason(risk: AccountRisk): string | null {
    if (!this.pastDeadline(risk, this.now())) return null;
    return `Auto-liquidation: trading is closed from ${formatClock(risk.flattenMinutes!)} CT until the session reopens at 17:00 CT`;
  }

  private blocksOnDailyLoss(risk: AccountRisk): boolean {
    return (risk.options.dailyLossAction ?? 'liquidate_and_block') === 'liquidate_and_block';
  }
}

/** The MLL floor trails the end-of-day high and stops at the starting balance. */
export function floorOf(startingBalance: number, eodHigh: number, maxLossLimit: number): number {
  return cents(Math.min(startingBalance, eodHigh - maxLossLimit));
}

/** The gateway option for every account, unless an account's own `riskEngine` overrides it (`false`: none). */
export function riskSettings(
  option: RiskEngineOptions | undefined,
  accounts: readonly GatewayAccountSetup[],
): Map<number, RiskEngineOptions> {
  const settings = new Map<number, RiskEngineOptions>();
  for (const account of accounts) {
    const chosen = account.riskEngine === undefined ? option : account.riskEngine;
    if (chosen) settings.set(account.id, chosen);
  }
  return settings;
}
