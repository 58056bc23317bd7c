/**
 * EngineTarget: the ReplayTarget that runs the live decision path on the virtual clock against the
 * simulated exchange: the signal processor (src/runtime/signal-processor.ts: filters, guards, entry
 * plan, one decision per alert) in front of the engine runtime (src/runtime/engine-runtime.ts).
 * No trading logic lives here; this file only adapts replay calls to those two objects and collects
 * trades and decisions for the report.
 */

import { initialGuardState } from '../src/domain/guards.ts';
import { pointValue } from '../src/domain/instruments.ts';
import type { BotSettings } from '../src/domain/settings.ts';
import type { EntryPlan, PriceBand } from '../src/domain/types.ts';
import type { TradeRecord } from '../src/ports/store.ts';
import {
  createEngineRuntime,
  type EngineRuntime,
  type ProtectiveStopMode,
} from '../src/runtime/engine-runtime.ts';
import { idFromKey, SignalProcessor } from '../src/runtime/signal-processor.ts';
import { tradeFromPosition } from '../src/runtime/trades.ts';
import type { BacktestAlert } from './alerts.ts';
import type { VirtualClock } from './clock.ts';
import type { BarSeries } from './csv.ts';
import type { SimulatedExchange } from './exchange.ts';
import { decisionOf, type EngineDecision, type JournalEntry } from './journal.ts';
import { type BarHistory, historyBefore, type ReplayTarget } from './replay.ts';

export interface BacktestTrade extends TradeRecord {
  /** Dollars per point per contract, for the metrics module. */
  readonly pointValue: number;
  readonly alertId: string;
}

/** Why each alert did or did not trade: one line per alert (the signal's final status and reason). */
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
  /** The bars of the run: the processor's profile history comes from here (bars closed before ts). */
  readonly bars: BarSeries;
  readonly barMs: number;
  /** Start of the run, for the guards' first trading day. */
  readonly startTs: number;
  readonly accountId?: string;
  readonly protectiveStops?: ProtectiveStopMode;
  /** When given, every runtime input is appended here (see journal.ts). */
  readonly journal?: JournalEntry[];
  /** When given, every engine decision (commands, outcomes) is appended here. */
  readonly decisionLog?: EngineDecision[];
}

export class EngineTarget implements ReplayTarget {
  readonly runtime: EngineRuntime;
  readonly processor: SignalProcessor;
  readonly trades: BacktestTrade[] = [];
  readonly decisions: AlertDecision[] = [];
  readonly levels: PlannedLevels[] = [];
  cancelledEntries = 0;
  private readonly accountId: string;
  private readonly alertsById = new Map<string, BacktestAlert>();
  /** Mirror of the runtime's routing bands (from its `routing` outputs), for quiet-bar skipping. */
  private readonly bands = new Map<string, PriceBand>();
  /** Positions opened and not finished (pending or open), counted from the runtime's outputs. */
  private openPositions = 0;

  constructor(options: EngineTargetOptions) {
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
    if (journal) journalInputs(this.runtime, journal);
    const decisionLog = options.decisionLog;
    this.runtime.outputs$.subscribe((output) => {
      if (decisionLog) {
        const decision = decisionOf(output);
        if (decision) decisionLog.push(decision);
      }
      if (output.type === 'position.finished') {
        this.openPositions--;
        if (output.state === 'closed' && output.context.filledQty > 0)
          this.trades.push(this.tradeOf(output.context));
        else this.cancelledEntries++;
      } else if (output.type === 'routing') {
        this.bands.set(output.symbol, output.band);
      } else if (output.type === 'alert.outcome' && output.outcome === 'opened') {
        this.openPositions++;
      }
    });
    const { bars, barMs } = options;
    this.processor = new SignalProcessor({
      runtime: this.runtime,
      accountId: this.accountId,
      settings: () => options.settings,
      bars: (_symbol, ts, minutes) => historyBefore(bars, ts, barMs, minutes * 60_000).toBars(),
      contractId: (symbol) => `SIM.${symbol}`,
      guardState: initialGuardState(options.settings, options.startTs),
      resetDailyLossNextDay: true,
      onDecision: (decision) => {
        const alert = this.alertsById.get(decision.alertKey);
        this.decisions.push({
          alertId: decision.alertKey,
          ts: alert?.ts ?? decision.ts,
          symbol: decision.symbol,
          action: decision.action,
          outcome: decision.status,
          reason: decision.reason ?? '',
        });
        const plan = decision.plan;
        if (plan !== null && decision.status === 'EXECUTED' && alert !== undefined) {
          this.levels.push({
            ts: alert.ts,
            alertId: alert.id,
            side: plan.side,
            entry: plan.entryPrice,
            stop: plan.stopPrice,
            poc: plan.poc,
            vah: plan.vah,
            val: plan.val,
          });
        }
      },
    });
  }

  price(symbol: string, price: number, ts: number): void {
    this.runtime.tick(symbol, price, ts);
    this.processor.onClock(ts);
  }

  /**
   * Nothing can happen inside a bar when no position is open or pending on the account (so no guard
   * marks open P&L and no flat-by flatten can fire) and [low, high] lies strictly inside the
   * runtime's routing band before its `until` (the runtime routes a tick at price ≤ low, ≥ high, or
   * ts ≥ until).
   */
  quietBetween(symbol: string, low: number, high: number, untilTs: number): boolean {
    if (this.openPositions > 0) return false;
    const band = this.bands.get(symbol);
    if (band === undefined) return true;
    return low > band.low && high < band.high && untilTs < band.until;
  }

  alert(alert: BacktestAlert, ts: number, _history: BarHistory): void {
    this.alertsById.set(alert.id, alert);
    this.processor.process(
      { key: alert.id, alertId: null, symbol: alert.symbol, action: alert.action, firedAt: alert.ts },
      ts,
    );
  }

  finish(ts: number): void {
    this.runtime.flatten('manual', ts);
  }

  /** Position id the processor gives an alert (for tests and reports). */
  static positionIdOf(alert: BacktestAlert): string {
    return idFromKey('p', alert.id);
  }

  private tradeOf(ctx: Parameters<typeof tradeFromPosition>[0]): BacktestTrade {
    const trade = tradeFromPosition(ctx);
    const alertKey = ctx.signalId.startsWith('s') ? ctx.signalId.slice(1) : ctx.signalId;
    return { ...trade, pointValue: pointValue(ctx.grid), alertId: alertKey };
  }
}

/** Append every call the processor and the replay make on the runtime to the journal, then pass it on. */
function journalInputs(runtime: EngineRuntime, journal: JournalEntry[]): void {
  const tick = runtime.tick.bind(runtime);
  const clockTick = runtime.clockTick.bind(runtime);
  const open = runtime.open.bind(runtime);
  const close = runtime.close.bind(runtime);
  const cancel = runtime.cancel.bind(runtime);
  const flatten = runtime.flatten.bind(runtime);
  runtime.tick = (symbol, price, ts) => {
    journal.push({ kind: 'price', ts, symbol, price });
    tick(symbol, price, ts);
  };
  runtime.clockTick = (ts) => {
    journal.push({ kind: 'clock', ts });
    clockTick(ts);
  };
  runtime.open = (request, ts) => {
    journal.push({ kind: 'open', ts, request });
    open(request, ts);
  };
  runtime.close = (accountId, symbol, signalId, ts, reason = 'close_alert') => {
    journal.push({ kind: 'close', ts, accountId, symbol, signalId, reason });
    close(accountId, symbol, signalId, ts, reason);
  };
  runtime.cancel = (accountId, symbol, signalId, ts) => {
    journal.push({ kind: 'cancel', ts, accountId, symbol, signalId });
    cancel(accountId, symbol, signalId, ts);
  };
  runtime.flatten = (reason, ts, filter = {}) => {
    journal.push({ kind: 'flatten', ts, reason, ...filter });
    flatten(reason, ts, filter);
  };
}
