/**
 * EngineTarget: the ReplayTarget that runs the shared engine runtime (src/runtime/engine-runtime.ts)
 * on the virtual clock against the simulated exchange. No trading logic lives here: an alert becomes
 * an entry plan from the domain (profile of the history bars → levels → size) and an `open` or
 * `close` for the engine, exactly the inputs the live intake gives it.
 *
 * Not yet applied here (the live intake's job; plug it into `alert` when it exposes a pure check):
 * the signal filters (watchlist, cooldown, trading window) and the daily-loss / drawdown guards.
 */

import { averageEntryPrice, averageExitPrice, realizedGross } from '../machines/position/ladder.ts';
import type { PositionContext } from '../machines/position/types.ts';
import type { OpenPositionRequest } from '../src/domain/events.ts';
import { getInstrument, pointValue } from '../src/domain/instruments.ts';
import { buildEntryPlan } from '../src/domain/plan.ts';
import type { BotSettings } from '../src/domain/settings.ts';
import type { EntryPlan, PriceBand } from '../src/domain/types.ts';
import type { TradeRecord } from '../src/ports/store.ts';
import {
  createEngineRuntime,
  type EngineRuntime,
  type ProtectiveStopMode,
} from '../src/runtime/engine-runtime.ts';
import type { BacktestAlert } from './alerts.ts';
import type { VirtualClock } from './clock.ts';
import type { SimulatedExchange } from './exchange.ts';
import { decisionOf, type EngineDecision, type JournalEntry } from './journal.ts';
import type { BarHistory, ReplayTarget } from './replay.ts';

export interface BacktestTrade extends TradeRecord {
  /** Dollars per point per contract, for the metrics module. */
  readonly pointValue: number;
  readonly alertId: string;
}

/** Why each alert did or did not trade: one line per alert. */
export interface AlertDecision {
  readonly alertId: string;
  readonly ts: number;
  readonly symbol: string;
  readonly action: string;
  readonly outcome: string;
  readonly reason: string;
}

/** Profile levels planned at an alert (for the HTML price chart). */
export interface PlannedLevels {
  readonly ts: number;
  readonly alertId: string;
  readonly side: EntryPlan['side'];
  readonly entry: number;
  readonly stop: number;
  readonly poc: number;
  readonly vah: number;
  readonly val: number;
}

export interface EngineTargetOptions {
  readonly clock: VirtualClock;
  readonly exchange: SimulatedExchange;
  readonly settings: BotSettings;
  readonly accountId?: string;
  readonly protectiveStops?: ProtectiveStopMode;
  /** When given, every runtime input is appended here (see journal.ts). */
  readonly journal?: JournalEntry[];
  /** When given, every engine decision (commands, outcomes) is appended here. */
  readonly decisionLog?: EngineDecision[];
}

export class EngineTarget implements ReplayTarget {
  readonly runtime: EngineRuntime;
  readonly trades: BacktestTrade[] = [];
  readonly decisions: AlertDecision[] = [];
  readonly levels: PlannedLevels[] = [];
  cancelledEntries = 0;
  private readonly accountId: string;
  private readonly alertsBySignal = new Map<string, BacktestAlert>();
  /** Mirror of the runtime's routing bands (from its `routing` outputs), for quiet-bar skipping. */
  private readonly bands = new Map<string, PriceBand>();

  constructor(private readonly options: EngineTargetOptions) {
    this.accountId = options.accountId ?? 'BACKTEST';
    const journal = options.journal;
    // Subscribed before the runtime, so broker replies are journaled in the order the runtime sees them.
    if (journal)
      options.exchange.events$.subscribe((event) => journal.push({ kind: 'broker', ts: event.ts, event }));
    this.runtime = createEngineRuntime({
      clock: options.clock,
      broker: options.exchange,
      protectiveStops: options.protectiveStops ?? 'broker',
    });
    const decisionLog = options.decisionLog;
    this.runtime.outputs$.subscribe((output) => {
      if (decisionLog) {
        const decision = decisionOf(output);
        if (decision) decisionLog.push(decision);
      }
      if (output.type === 'position.finished') {
        if (output.state === 'closed' && output.context.filledQty > 0)
          this.trades.push(this.tradeOf(output.context));
        else this.cancelledEntries++;
      } else if (output.type === 'routing') {
        this.bands.set(output.symbol, output.band);
      } else if (output.type === 'alert.outcome') {
        const alert = this.alertsBySignal.get(output.signalId);
        if (alert) this.decide(alert, output.outcome, output.reason);
      }
    });
  }

  price(symbol: string, price: number, ts: number): void {
    this.options.journal?.push({ kind: 'price', ts, symbol, price });
    this.runtime.tick(symbol, price, ts);
  }

  /**
   * The runtime routes a tick when price ≤ band.low, price ≥ band.high or ts ≥ band.until; a bar
   * entirely strictly inside the band, closing before `until`, routes nothing. The runtime also
   * treats a fully open band as "nothing to route", which this check accepts too.
   */
  quietBetween(symbol: string, low: number, high: number, untilTs: number): boolean {
    const band = this.bands.get(symbol);
    if (band === undefined) return true;
    return low > band.low && high < band.high && untilTs < band.until;
  }

  alert(alert: BacktestAlert, ts: number, history: BarHistory): void {
    const signalId = `S${alert.id}`;
    this.alertsBySignal.set(signalId, alert);
    if (alert.action === 'close') {
      this.options.journal?.push({
        kind: 'close',
        ts,
        accountId: this.accountId,
        symbol: alert.symbol,
        signalId,
        reason: 'close_alert',
      });
      this.runtime.close(this.accountId, alert.symbol, signalId, ts, 'close_alert');
      return;
    }
    const instrument = getInstrument(alert.symbol);
    if (instrument === undefined) {
      this.decide(alert, 'declined', `unknown symbol ${alert.symbol}`);
      return;
    }
    const side = alert.action === 'buy' ? 'long' : 'short';
    if (history.length === 0) {
      this.decide(alert, 'declined', 'no completed bars before the alert to build a profile from');
      return;
    }
    const bars = history.toBars();
    const result = buildEntryPlan({ bars, side, instrument, settings: this.options.settings });
    if (!result.ok) {
      this.decide(alert, 'declined', result.reason);
      return;
    }
    const plan = result.plan;
    this.levels.push({
      ts,
      alertId: alert.id,
      side,
      entry: plan.entryPrice,
      stop: plan.stopPrice,
      poc: plan.poc,
      vah: plan.vah,
      val: plan.val,
    });
    const request: OpenPositionRequest = {
      positionId: `P${alert.id}`,
      signalId,
      accountId: this.accountId,
      symbol: alert.symbol,
      contractId: `SIM.${alert.symbol}`,
      instrument: {
        tickSize: instrument.tickSize,
        tickValue: instrument.tickValue,
        decimals: instrument.decimals,
      },
      plan,
      expiresAt: ts + this.options.settings.entryTimeoutMs,
      closeAtTp3: this.options.settings.closeAtTp3,
    };
    this.options.journal?.push({ kind: 'open', ts, request });
    this.runtime.open(request, ts);
  }

  finish(ts: number): void {
    this.options.journal?.push({ kind: 'flatten', ts, reason: 'manual' });
    this.runtime.flatten('manual', ts);
  }

  private decide(alert: BacktestAlert, outcome: string, reason: string): void {
    this.decisions.push({
      alertId: alert.id,
      ts: alert.ts,
      symbol: alert.symbol,
      action: alert.action,
      outcome,
      reason,
    });
  }

  private tradeOf(ctx: PositionContext): BacktestTrade {
    const gross = realizedGross(ctx);
    const fees = Math.round(ctx.fees * 100) / 100;
    const alertId = ctx.signalId.startsWith('S') ? ctx.signalId.slice(1) : ctx.signalId;
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
      grossPnl: gross,
      netPnl: Math.round((gross - fees) * 100) / 100,
      commissions: fees,
      exitReason: ctx.exitReason ?? 'manual',
      highestTarget: ctx.rung,
      initialStop: ctx.plan.stopPrice,
      confirmationScore: ctx.plan.confirmationScore,
      poc: ctx.plan.poc,
      vah: ctx.plan.vah,
      val: ctx.plan.val,
      pointValue: pointValue(ctx.grid),
      alertId,
    };
  }
}

function round(value: number, decimals: number): number {
  return Number(value.toFixed(decimals));
}
