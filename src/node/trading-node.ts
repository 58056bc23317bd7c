/**
 * The trading node: the one composition of the engine runtime (position actors, routing, orders)
 * and the signal processor (filters, guards, entry plan, one decision per alert) that the live bot
 * (src/app/bot.ts) and the backtest (sim/engine-target.ts) both run. The caller chooses the parts
 * (clock, venue, settings, bars, what to restore, who watches); the node wires them the same way
 * every time, so a backtest decides exactly as the bot does.
 *
 * Synchronous on purpose: the backtest runs on a virtual clock without awaiting anything, and the
 * live bot does its I/O (store, broker connection, recovery) before it calls this.
 */
import type { InspectionEvent } from 'xstate';
import type { EngineCommand } from '../domain/events.ts';
import type { GuardState } from '../domain/guards.ts';
import type { BotSettings } from '../domain/settings.ts';
import type { Bar } from '../domain/types.ts';
import type { Broker, Clock, ExchangeHealth } from '../ports/index.ts';
import type { SignalRecord } from '../ports/store.ts';
import {
  createEngineRuntime,
  type EngineRuntime,
  type ProtectiveStopMode,
  type RuntimeOutput,
} from '../runtime/engine-runtime.ts';
import {
  type GuardEvent,
  type IncomingAlert,
  type SignalDecision,
  SignalProcessor,
  type SignalTransition,
} from '../runtime/signal-processor.ts';

/** Where orders go and what the venue knows about contracts and its own health. */
export interface NodeVenue {
  readonly accountId: string;
  /** The order port the engine runtime sends its commands to. */
  readonly broker: Broker;
  readonly contractId: (symbol: string) => string;
  readonly health?: () => ExchangeHealth | undefined;
}

/** The price history the entry plan reads: completed bars strictly before `ts` (no look-ahead). */
export interface NodeBars {
  barsBefore(symbol: string, ts: number, minutes: number): readonly Bar[];
  /** Live: each price also builds the bars (the backtest's bars come from its file). */
  onTick?(symbol: string, price: number, ts: number, size: number): void;
}

/** Watches the node without steering it; every member is optional. */
export interface NodeObserver {
  onOutput?(output: RuntimeOutput): void;
  onSignal?(record: SignalRecord, transition: SignalTransition | null): void;
  onDecision?(decision: SignalDecision): void;
  /** `previous` is the state before the change (a newly latched guard is `next` latched, `previous` not). */
  onGuardState?(next: GuardState, previous: GuardState): void;
  /** Trading stopped or resumed by a guard, or a guard flattened (the backtest report lists them). */
  onGuardEvent?(event: GuardEvent): void;
}

export interface TradingNodeParts {
  readonly clock: Clock;
  readonly venue: NodeVenue;
  /** Read on every alert: a change (Pause, the dashboard) takes effect on the next one. */
  readonly settings: () => BotSettings;
  readonly bars: NodeBars;
  /** Guard state to start from (restored from the store, or fresh from the starting balance). */
  readonly guardState: GuardState;
  /** Engine snapshot to resume from (crash recovery). */
  readonly snapshot?: unknown;
  readonly protectiveStops?: ProtectiveStopMode;
  readonly inspect?: (event: InspectionEvent) => void;
  /** Write-ahead hold of commands (live: an entry waits until its position is stored). */
  readonly holdCommand?: (command: EngineCommand) => Promise<unknown> | undefined;
  /**
   * Called with the runtime before any observer subscribes (the backtest journals the runtime's
   * inputs here, so the journal sees them in the order the runtime does).
   */
  readonly onRuntime?: (runtime: EngineRuntime) => void;
  /** In order: outputs reach them in this order, before the processor sees them. */
  readonly observers: readonly NodeObserver[];
  /** Several accounts in one process: the account's tag, ending its ids (src/app/accounts.ts). */
  readonly idScope?: string;
  /** The account's label while it is disabled in the accounts configuration. */
  readonly accountDisabled?: () => string | undefined;
}

export interface TradingNode {
  readonly accountId: string;
  readonly runtime: EngineRuntime;
  readonly processor: SignalProcessor;
  /**
   * A traded price: the bars (live) and the position actors see it. With `contractId` (a venue that
   * names contracts) only positions holding that contract hear it, and only the symbol's current
   * contract (`venue.contractId`) builds the bars: after a roll the old month's prints reach the
   * positions still on it and nothing else (docs/rollover.md).
   */
  price(symbol: string, price: number, ts: number, size?: number, contractId?: string): void;
  /** Decide one alert at event time `ts`. */
  alert(alert: IncomingAlert, ts: number): SignalDecision;
  /** Time passes: deadlines, flat-by time, guard marks. */
  clockTick(ts: number): void;
  stop(): void;
}

export function createTradingNode(parts: TradingNodeParts): TradingNode {
  const { venue, observers } = parts;
  const runtime = createEngineRuntime({
    clock: parts.clock,
    broker: venue.broker,
    ...(parts.snapshot === undefined ? {} : { snapshot: parts.snapshot }),
    ...(parts.protectiveStops === undefined ? {} : { protectiveStops: parts.protectiveStops }),
    ...(parts.inspect ? { inspect: parts.inspect } : {}),
    ...(parts.holdCommand ? { holdCommand: parts.holdCommand } : {}),
  });
  parts.onRuntime?.(runtime);
  const outputWatchers = observers.filter((o) => o.onOutput);
  if (outputWatchers.length > 0)
    runtime.outputs$.subscribe((output) => {
      for (const o of outputWatchers) o.onOutput?.(output);
    });
  let guards = parts.guardState;
  const processor = new SignalProcessor({
    runtime,
    accountId: venue.accountId,
    settings: parts.settings,
    bars: (symbol, ts, minutes) => parts.bars.barsBefore(symbol, ts, minutes),
    contractId: venue.contractId,
    ...(venue.health ? { health: venue.health } : {}),
    ...(parts.idScope === undefined ? {} : { idScope: parts.idScope }),
    ...(parts.accountDisabled ? { accountDisabled: parts.accountDisabled } : {}),
    guardState: guards,
    onGuardState: (state) => {
      const previous = guards;
      guards = state;
      for (const o of observers) o.onGuardState?.(state, previous);
    },
    onSignal: (record, transition) => {
      for (const o of observers) o.onSignal?.(record, transition);
    },
    onDecision: (decision) => {
      for (const o of observers) o.onDecision?.(decision);
    },
    onGuardEvent: (event) => {
      for (const o of observers) o.onGuardEvent?.(event);
    },
  });
  const onTick = parts.bars.onTick?.bind(parts.bars);
  return {
    accountId: venue.accountId,
    runtime,
    processor,
    price(symbol, price, ts, size = 1, contractId) {
      const front = contractId === undefined || contractId === venue.contractId(symbol);
      if (front) onTick?.(symbol, price, ts, size);
      runtime.tick(symbol, price, ts, contractId, front);
    },
    alert: (alert, ts) => processor.process(alert, ts),
    clockTick: (ts) => processor.onClock(ts),
    stop: () => runtime.stop(),
  };
}

/** The guard that latched in this change, if one did. */
export function newlyLatched(next: GuardState, previous: GuardState): { reason: string } | null {
  if (next.dailyLoss && !previous.dailyLoss) return next.dailyLoss;
  if (next.trailingDrawdown && !previous.trailingDrawdown) return next.trailingDrawdown;
  return null;
}
