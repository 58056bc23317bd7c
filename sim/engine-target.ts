/**
 * EngineTarget: the ReplayTarget that runs the trading node (src/node/trading-node.ts, the same
 * composition the live bot runs) on the virtual clock against the simulated exchange. It only
 * chooses the backtest's parts (virtual clock, simulated venue, fixed settings, the file's bars) and
 * collects trades and decisions for the report; no trading logic lives here.
 */

import { initialGuardState, startingBalanceOf } from '../src/domain/guards.ts';
import { pointValue } from '../src/domain/instruments.ts';
import type { BotSettings } from '../src/domain/settings.ts';
import type { EntryPlan, PriceBand } from '../src/domain/types.ts';
import { createTradingNode, type TradingNode } from '../src/node/trading-node.ts';
import type { TradeRecord } from '../src/ports/store.ts';
import type { EngineRuntime, ProtectiveStopMode, RuntimeOutput } from '../src/runtime/engine-runtime.ts';
import {
  type GuardEvent,
  idFromKey,
  type SignalDecision,
  type SignalProcessor,
} from '../src/runtime/signal-processor.ts';
import { tradeFromPosition } from '../src/runtime/trades.ts';
import type { BacktestAlert } from './alerts.ts';
import type { VirtualClock } from './clock.ts';
import type { BarSeries } from './csv.ts';
import type { SimulatedExchange } from './exchange.ts';
import { decisionOf, type EngineDecision, type JournalEntry } from './journal.ts';
import { type BarHistory, type HistoryCache, historyBefore, type ReplayTarget } from './replay.ts';

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
  /** Profile history shared by runs over the same bars (the lab's cells in one worker). */
  readonly history?: HistoryCache;
}

export class EngineTarget implements ReplayTarget {
  readonly node: TradingNode;
  readonly runtime: EngineRuntime;
  readonly processor: SignalProcessor;
  readonly trades: BacktestTrade[] = [];
  readonly decisions: AlertDecision[] = [];
  readonly levels: PlannedLevels[] = [];
  /** When a guard stopped or resumed trading, or flattened, and why. */
  readonly guardEvents: GuardEvent[] = [];
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
    const decisionLog = options.decisionLog;
    const { bars, barMs, settings, history } = options;
    this.node = createTradingNode({
      clock: options.clock,
      venue: { accountId: this.accountId, broker: options.exchange, contractId: (symbol) => `SIM.${symbol}` },
      settings: () => settings,
      bars: {
        barsBefore: history
          ? (_symbol, ts, minutes) => history.barsBefore(bars, ts, barMs, minutes * 60_000)
          : (_symbol, ts, minutes) => historyBefore(bars, ts, barMs, minutes * 60_000).toBars(),
      },
      guardState: initialGuardState({ startingBalance: startingBalanceOf(settings) }, options.startTs),
      protectiveStops: options.protectiveStops ?? 'broker',
      ...(journal ? { onRuntime: (runtime: EngineRuntime) => journalInputs(runtime, journal) } : {}),
      observers: [
        {
          onOutput: (output) => {
            if (decisionLog) {
              const decision = decisionOf(output);
              if (decision) decisionLog.push(decision);
            }
            this.collect(output);
          },
          onDecision: (decision) => this.onDecision(decision),
          onGuardEvent: (event) => this.guardEvents.push(event),
        },
      ],
    });
    this.runtime = this.node.runtime;
    this.processor = this.node.processor;
  }

  private collect(output: RuntimeOutput): void {
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
  }

  private onDecision(decision: SignalDecision): void {
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
  }

  price(symbol: string, price: number, ts: number): void {
    this.node.price(symbol, price, ts);
    this.node.clockTick(ts);
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
    this.node.alert(
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
