/**
 * From an alert to exactly one decision, shared by the live bot and the backtest.
 *
 * For each alert a signal actor (machines/signal) records the path: stale or duplicate → IGNORED;
 * a guard or filter says no → FILTERED with its reason; otherwise the entry plan is built from the
 * bars before the alert (profile → levels → size), the engine applies the alert policy, and the
 * signal goes EXECUTING → EXECUTED when the broker accepts the entry (or FAILED when it rejects
 * it). Close and cancel alerts bypass the filters: they only reduce risk.
 *
 * The prop-firm guards live here too: closed trades and marks feed the guard state; a breach or
 * the flat-by time flattens every position; latched guards refuse entries until a manual reset.
 * Everything runs on event time, so a backtest applies exactly the same rules.
 */
import { createActor } from 'xstate';
import {
  type SignalActor,
  type SignalEmitted,
  type SignalStatusName,
  signalMachine,
} from '../../machines/signal/machine.ts';
import { resolveAccountRules } from '../domain/account-rules.ts';
import type { OpenPositionRequest } from '../domain/events.ts';
import { evaluateFilters } from '../domain/filters.ts';
import {
  applyTrade,
  checkGuards,
  type GuardCode,
  type GuardState,
  markToMarket,
  seedBalance,
  syncBalance,
} from '../domain/guards.ts';
import { getInstrument } from '../domain/instruments.ts';
import { buildEntryPlan, resizePlan } from '../domain/plan.ts';
import { checkAccountRisk, type Exposure } from '../domain/risk.ts';
import type { BotSettings } from '../domain/settings.ts';
import { fromTicks, toTicks } from '../domain/ticks.ts';
import type { AlertAction, Bar, EntryPlan, Instrument } from '../domain/types.ts';
import type { ExchangeHealth } from '../ports/index.ts';
import type { SignalRecord } from '../ports/store.ts';
import type { EngineRuntime, RuntimeOutput } from './engine-runtime.ts';
import { tradeFromPosition } from './trades.ts';

/** A signal actor's transition, as the store and the observers receive it. */
export type SignalTransition = SignalEmitted;

/** An alert as the processor needs it (from the webhook, the database or a backtest file). */
export interface IncomingAlert {
  /** Idempotency key. */
  readonly key: string;
  /** Row id in the alerts table, when stored. */
  readonly alertId: number | null;
  readonly symbol: string;
  readonly action: AlertAction;
  /** Fire time ({{timenow}}), epoch ms, when the payload had one. */
  readonly firedAt?: number | undefined;
}

export interface SignalDecision {
  /** The account that decided it (several accounts decide one alert each on their own). */
  readonly accountId: string;
  readonly signalId: string;
  readonly alertKey: string;
  readonly symbol: string;
  readonly action: AlertAction;
  readonly status: SignalStatusName;
  readonly reason: string | null;
  readonly positionId: string | null;
  readonly plan: EntryPlan | null;
  readonly ts: number;
}

export interface SignalProcessorDeps {
  readonly runtime: EngineRuntime;
  readonly accountId: string;
  readonly settings: () => BotSettings;
  /** Completed 1m bars strictly before `ts`, at most `minutes` of them (no look-ahead). */
  readonly bars: (symbol: string, ts: number, minutes: number) => readonly Bar[];
  readonly contractId: (symbol: string) => string;
  readonly health?: () => ExchangeHealth | undefined;
  /** Current guard state; the processor hands every change to `onGuardState`. */
  readonly guardState: GuardState;
  readonly onGuardState?: (state: GuardState) => void;
  /** Every signal change, for the store (signals + execution_events) and the observers. */
  readonly onSignal?: (record: SignalRecord, transition: SignalEmitted | null) => void;
  readonly onDecision?: (decision: SignalDecision) => void;
  /** When trading stopped or resumed and why, and every guard flatten (the backtest report lists them). */
  readonly onGuardEvent?: (event: GuardEvent) => void;
  /**
   * Several accounts in one process: this account's tag ends its signal and position ids (so its
   * order tags), making one alert idempotent per account. Unset: the single-account ids.
   */
  readonly idScope?: string;
  /** The account's label while it is disabled in the accounts configuration (entries refused). */
  readonly accountDisabled?: () => string | undefined;
}

export interface GuardEvent {
  readonly ts: number;
  readonly kind: 'stopped' | 'resumed' | 'flattened';
  readonly guard: GuardCode | 'broker';
  readonly reason: string;
}

/** The broker's balance against the bot's own, from the last `syncBalance`. */
export interface BalanceCheck {
  readonly ts: number;
  readonly broker: number;
  readonly bot: number;
  readonly difference: number;
  /** Beyond settings.balanceTolerance: logged and shown. */
  readonly mismatch: boolean;
}

const DEFAULT_GUARD_CHECK_MS = 1_000;

/** Ids that fit the order-tag alphabet and length (tags are `${positionId}-e0`, at most 40 chars). */
export function idFromKey(prefix: string, key: string, scope?: string): string {
  const id = `${prefix}${key.replace(/[^A-Za-z0-9_]/g, '_')}`;
  return scope === undefined ? id.slice(0, 34) : `${id.slice(0, 33 - scope.length)}_${scope}`;
}

interface SignalEntry {
  readonly actor: SignalActor;
  readonly alert: IncomingAlert;
  readonly createdAt: number;
  plan: EntryPlan | null;
  positionId: string | null;
  /** What the engine did with it, for the decision's reason. */
  outcome: string | null;
  /** What the risk check changed (resized, re-planned), added to the decision's reason. */
  note: string | null;
}

export class SignalProcessor {
  private guards: GuardState;
  private readonly signals = new Map<string, SignalEntry>();
  /** Entry tag → signal id, for the broker's answer to a placeEntry. */
  private readonly entryTags = new Map<string, string>();
  private lastGuardCheck = Number.NEGATIVE_INFINITY;
  private lastFlatten: GuardCode | null = null;
  private balance: BalanceCheck | null = null;
  /** Why the broker refuses new orders on this account (canTrade false), or null. */
  private brokerBlock: string | null = null;

  constructor(private readonly deps: SignalProcessorDeps) {
    this.guards = deps.guardState;
    deps.runtime.outputs$.subscribe((output) => this.onOutput(output));
  }

  guardState(): GuardState {
    return this.guards;
  }

  /** Set the guard state (a restore, a manual reset, a booked trade); latch changes become guard events. */
  setGuardState(state: GuardState, ts?: number): void {
    const previous = this.guards;
    this.guards = state;
    if (state === previous) return;
    const at = ts ?? state.dailyLoss?.at ?? state.trailingDrawdown?.at ?? 0;
    const onEvent = this.deps.onGuardEvent;
    if (onEvent) {
      if (state.dailyLoss && !previous.dailyLoss)
        onEvent({
          ts: state.dailyLoss.at,
          kind: 'stopped',
          guard: 'daily_loss',
          reason: state.dailyLoss.reason,
        });
      if (state.trailingDrawdown && !previous.trailingDrawdown)
        onEvent({
          ts: state.trailingDrawdown.at,
          kind: 'stopped',
          guard: 'trailing_drawdown',
          reason: state.trailingDrawdown.reason,
        });
      if (previous.dailyLoss && !state.dailyLoss)
        onEvent({
          ts: at,
          kind: 'resumed',
          guard: 'daily_loss',
          reason:
            state.tradingDay !== previous.tradingDay
              ? `daily loss limit reset with the trading day ${state.tradingDay} (17:00 CT)`
              : 'daily loss limit reset by hand',
        });
      if (previous.trailingDrawdown && !state.trailingDrawdown)
        onEvent({
          ts: at,
          kind: 'resumed',
          guard: 'trailing_drawdown',
          reason: 'loss-limit guard reset by hand',
        });
    }
    this.deps.onGuardState?.(state);
  }

  /** The broker says the account can or cannot trade (TopstepX canTrade): entries are refused while it cannot. */
  setBrokerTradable(canTrade: boolean, ts: number): void {
    const reason = canTrade
      ? null
      : 'GUARD: broker — the account cannot trade right now (canTrade false: the broker liquidated or blocked it); entries refused until it can';
    if (reason === this.brokerBlock) return;
    const previous = this.brokerBlock;
    this.brokerBlock = reason;
    this.deps.onGuardEvent?.(
      reason
        ? { ts, kind: 'stopped', guard: 'broker', reason }
        : {
            ts,
            kind: 'resumed',
            guard: 'broker',
            reason: `the broker reports the account can trade again (was: ${previous})`,
          },
    );
  }

  /** Why the broker refuses orders now, or null. */
  brokerBlocked(): string | null {
    return this.brokerBlock;
  }

  /** The last comparison of the broker's balance with the bot's own (null: never, or a paper account). */
  balanceCheck(): BalanceCheck | null {
    return this.balance;
  }

  /** Start from the broker's balance (the bot's start): the difference is history, not today's P&L. */
  seedBalance(broker: number, ts: number): BalanceCheck {
    const check = this.compareBalance(broker, ts);
    const next = seedBalance(this.guards, broker, ts, this.deps.settings());
    if (next !== this.guards) this.setGuardState(next, ts);
    return check;
  }

  /**
   * The broker's balance (live: after every fill, on reconnect): the broker's figure wins; a
   * difference beyond settings.balanceTolerance is returned as a mismatch for the log and the screens.
   */
  syncBalance(broker: number, ts: number): BalanceCheck {
    const check = this.compareBalance(broker, ts);
    const next = syncBalance(this.guards, broker, ts, this.deps.settings());
    if (next !== this.guards) this.setGuardState(next, ts);
    return check;
  }

  private compareBalance(broker: number, ts: number): BalanceCheck {
    const settings = this.deps.settings();
    const bot = this.guards.equity;
    const difference = Math.round((broker - bot) * 100) / 100;
    const check: BalanceCheck = {
      ts,
      broker,
      bot,
      difference,
      mismatch: Math.abs(difference) > settings.balanceTolerance,
    };
    this.balance = check;
    return check;
  }

  /** Decide one alert at event time `ts`. Synchronous: the decision (or EXECUTING) is known on return. */
  process(alert: IncomingAlert, ts: number): SignalDecision {
    this.roll(ts);
    const signalId = idFromKey('s', alert.key, this.deps.idScope);
    const existing = this.signals.get(signalId);
    if (existing) return this.decisionOf(signalId, existing, ts);
    const actor = createActor(signalMachine, { input: { signalId, ts } });
    const entry: SignalEntry = {
      actor,
      alert,
      createdAt: ts,
      plan: null,
      positionId: null,
      outcome: null,
      note: null,
    };
    this.signals.set(signalId, entry);
    actor.on('*', (emitted) => this.record(signalId, entry, emitted as SignalEmitted));
    actor.start();
    this.decide(signalId, entry, ts);
    const decision = this.decisionOf(signalId, entry, ts);
    if (actor.getSnapshot().status === 'done') this.forget(signalId);
    return decision;
  }

  /** Time passes: guards (flat-by time, breaches on open P&L) and entry deadlines. Cheap when nothing is due. */
  onClock(ts: number): void {
    this.deps.runtime.clockTick(ts);
    if (ts - this.lastGuardCheck < DEFAULT_GUARD_CHECK_MS) return;
    this.lastGuardCheck = ts;
    const slots = this.deps.runtime.slots();
    const latched = this.guards.dailyLoss !== null || this.guards.trailingDrawdown !== null;
    if (slots.length === 0 && !latched) return;
    const settings = this.deps.settings();
    const unrealized =
      slots.length === 0 ? 0 : this.deps.runtime.positions().reduce((sum, p) => sum + p.unrealizedPnl, 0);
    const marked = markToMarket(this.guards, settings, ts, unrealized);
    if (
      marked !== this.guards &&
      (marked.dailyLoss !== this.guards.dailyLoss ||
        marked.trailingDrawdown !== this.guards.trailingDrawdown ||
        marked.tradingDay !== this.guards.tradingDay)
    ) {
      this.setGuardState(marked, ts);
    }
    if (slots.length === 0) {
      this.lastFlatten = null;
      return;
    }
    const symbols = [...new Set(slots.map((s) => s.symbol))];
    const check = checkGuards(this.guards, settings, ts, unrealized, symbols);
    if (!check.allowed && check.flattenNow) {
      if (this.lastFlatten !== check.code)
        this.deps.onGuardEvent?.({ ts, kind: 'flattened', guard: check.code, reason: check.reason });
      this.lastFlatten = check.code;
      this.deps.runtime.flatten(check.code === 'flat_by' ? 'session_flatten' : 'guard_flatten', ts);
    }
  }

  /** A new trading day resets the day's figures (and the daily latch) before anything is decided. */
  private roll(ts: number): void {
    const settings = this.deps.settings();
    const rolled = markToMarket(this.guards, settings, ts, 0);
    if (rolled.tradingDay !== this.guards.tradingDay) this.setGuardState(rolled, ts);
  }

  /** Signals still waiting for the broker (EXECUTING), e.g. for the sweep and the status screen. */
  pending(): string[] {
    return [...this.signals.keys()];
  }

  private decide(signalId: string, entry: SignalEntry, ts: number): void {
    const { alert, actor } = entry;
    const settings = this.deps.settings();
    if (
      alert.firedAt !== undefined &&
      settings.maxAlertLagMs > 0 &&
      ts - alert.firedAt > settings.maxAlertLagMs
    ) {
      const lag = Math.round((ts - alert.firedAt) / 1000);
      actor.send({
        type: 'ignore',
        ts,
        reason: `IGNORED: stale — fired ${lag}s before it was processed, maximum lag ${Math.round(settings.maxAlertLagMs / 1000)}s`,
      });
      return;
    }
    const { runtime, accountId } = this.deps;
    if (alert.action === 'close') {
      runtime.close(accountId, alert.symbol, signalId, ts, 'close_alert');
      return;
    }
    if (alert.action === 'cancel') {
      runtime.cancel(accountId, alert.symbol, signalId, ts);
      return;
    }
    if (alert.action === 'add') {
      actor.send({
        type: 'filter.rejected',
        ts,
        reason: 'FILTERED: scale-in — "add" alerts are not enabled; use the DCA ladder in the settings',
      });
      return;
    }
    if (this.brokerBlock) {
      actor.send({ type: 'filter.rejected', ts, reason: this.brokerBlock });
      return;
    }
    const instrument = getInstrument(alert.symbol);
    if (!instrument) {
      actor.send({
        type: 'filter.rejected',
        ts,
        reason: `FILTERED: unknown symbol — ${alert.symbol} is not a supported instrument`,
      });
      return;
    }
    const guard = checkGuards(this.guards, settings, ts, 0, [alert.symbol]);
    if (!guard.allowed) {
      actor.send({ type: 'filter.rejected', ts, reason: guard.reason });
      return;
    }
    const side = alert.action === 'buy' ? 'long' : 'short';
    const bars = this.deps.bars(alert.symbol, ts, settings.profileLookbackMinutes);
    const longBars =
      settings.confirmationThreshold > 0
        ? this.deps.bars(alert.symbol, ts, settings.profileLookbackMinutes * 4)
        : undefined;
    const planned = buildEntryPlan({
      bars,
      side,
      instrument,
      settings,
      ...(longBars ? { confirmationBars: longBars } : {}),
    });
    const score = planned.confirmation?.score ?? null;
    const slots = runtime.slots();
    const sameSymbol = slots.find((s) => s.accountId === accountId && s.symbol === alert.symbol);
    // An alert on a symbol already held is an alert-policy matter (replace, close, decline) for the engine.
    if (!sameSymbol) {
      const filter = evaluateFilters({
        symbol: alert.symbol,
        action: alert.action,
        ts,
        settings,
        marketType: instrument.marketType,
        lastEntryAt: runtime.lastEntryAt(accountId, alert.symbol),
        openPositions: slots.length,
        health: this.deps.health?.(),
        confirmationScore: score,
        contracts: planned.ok ? planned.plan.quantity : 1,
        disabledAccount: this.deps.accountDisabled?.(),
      });
      if (!filter.pass) {
        actor.send({ type: 'filter.rejected', ts, reason: filter.reason });
        return;
      }
    }
    if (!planned.ok) {
      if (sameSymbol && sameSymbol.side !== side) {
        // No valid plan is needed to leave: an opposing alert still cancels or closes.
        runtime.close(accountId, alert.symbol, signalId, ts, 'opposing_alert');
        return;
      }
      actor.send({ type: 'filter.rejected', ts, reason: `FILTERED: profile — ${planned.reason}` });
      return;
    }
    let plan = planned.plan;
    // Only an entry that opens or replaces a pending one needs room; the engine leaves the rest.
    const replacing =
      sameSymbol && sameSymbol.side === side ? this.pendingEntryOf(sameSymbol.positionId) : null;
    if (sameSymbol && !replacing) {
      entry.plan = plan;
      this.open(signalId, alert, plan, instrument, settings, ts);
      return;
    }
    const crossed = this.crossedEntry(plan, instrument, settings, alert.symbol);
    if (typeof crossed === 'string') {
      actor.send({ type: 'filter.rejected', ts, reason: crossed });
      return;
    }
    const notes: string[] = [];
    if (crossed) {
      plan = crossed.plan;
      notes.push(crossed.note);
    }
    const risk = checkAccountRisk({
      plan,
      instrument,
      state: this.guards,
      // A pending entry being replaced still counts until its cancel is confirmed: both could fill.
      exposures: this.exposures(),
      settings,
      rules: resolveAccountRules(settings),
    });
    if (!risk.ok) {
      entry.plan = plan;
      actor.send({ type: 'filter.rejected', ts, reason: risk.reason });
      return;
    }
    plan = risk.plan;
    if (risk.resized) notes.push(risk.resized);
    entry.plan = plan;
    entry.note = notes.length > 0 ? notes.join('; ') : null;
    this.open(signalId, alert, plan, instrument, settings, ts);
  }

  private open(
    signalId: string,
    alert: IncomingAlert,
    plan: EntryPlan,
    instrument: Instrument,
    settings: BotSettings,
    ts: number,
  ): void {
    const { runtime } = this.deps;
    runtime.open(
      this.positionRequest({
        positionId: idFromKey('p', alert.key, this.deps.idScope),
        signalId,
        symbol: alert.symbol,
        contractId: this.deps.contractId(alert.symbol),
        instrument,
        plan,
        settings,
        ts,
      }),
      ts,
    );
  }

  /** What the engine needs to open a position (an alert's entry, or a broker position adopted). */
  private positionRequest(p: {
    positionId: string;
    signalId: string;
    symbol: string;
    contractId: string;
    instrument: Instrument;
    plan: EntryPlan;
    settings: BotSettings;
    ts: number;
  }): OpenPositionRequest {
    const { instrument, settings } = p;
    return {
      positionId: p.positionId,
      signalId: p.signalId,
      accountId: this.deps.accountId,
      symbol: p.symbol,
      contractId: p.contractId,
      instrument: {
        tickSize: instrument.tickSize,
        tickValue: instrument.tickValue,
        decimals: instrument.decimals,
      },
      plan: p.plan,
      expiresAt: p.ts + settings.entryTimeoutMs,
      closeAtTp3: settings.closeAtTp3,
    };
  }

  /**
   * A position the broker holds that the engine did not open (the reconciler's unknown exposure,
   * adopt policy): it becomes a position actor of its own with a ladder from the current profile, the
   * levels an alert on its side would get (stop beyond the value-area edge, the three targets), at
   * the broker's average price and size. Refused with a reason (the caller then flattens it) when the
   * symbol is unknown, the profile cannot be built, or the stop would already be through the market.
   */
  adoptPosition(
    position: {
      readonly brokerPositionId: string;
      readonly symbol: string;
      readonly contractId: string;
      readonly side: 'long' | 'short';
      readonly quantity: number;
      readonly averagePrice: number;
    },
    ts: number,
  ): { readonly ok: true; readonly positionId: string } | { readonly ok: false; readonly reason: string } {
    const { runtime } = this.deps;
    const settings = this.deps.settings();
    const instrument = getInstrument(position.symbol);
    if (!instrument) return { ok: false, reason: `${position.symbol} is not a supported instrument` };
    const planned = buildEntryPlan({
      bars: this.deps.bars(position.symbol, ts, settings.profileLookbackMinutes),
      side: position.side,
      instrument,
      settings,
    });
    if (!planned.ok) return { ok: false, reason: `no ladder can be built: ${planned.reason}` };
    // The plan's entry on the tick grid; the fill keeps the broker's exact average (P&L from it).
    const entryPrice = fromTicks(toTicks(position.averagePrice, instrument), instrument);
    const last = runtime.lastPrice(position.symbol) ?? entryPrice;
    const stop = planned.plan.stopPrice;
    const through =
      position.side === 'long' ? stop >= Math.min(entryPrice, last) : stop <= Math.max(entryPrice, last);
    if (through)
      return {
        ok: false,
        reason: `the profile's stop ${stop} is already through the position (average ${entryPrice}, last ${last})`,
      };
    const plan: EntryPlan = {
      ...planned.plan,
      entryPrice,
      legs: [{ price: entryPrice, quantity: position.quantity }],
      quantity: position.quantity,
      riskDollars:
        Math.round(
          (Math.abs(entryPrice - stop) / instrument.tickSize) *
            instrument.tickValue *
            position.quantity *
            100,
        ) / 100,
    };
    const positionId = idFromKey('a', position.brokerPositionId, this.deps.idScope);
    runtime.adopt(
      this.positionRequest({
        positionId,
        // No signal: the position came from the broker (stored with signal_id null).
        signalId: '',
        symbol: position.symbol,
        contractId: position.contractId,
        instrument,
        plan,
        settings,
        ts,
      }),
      { price: position.averagePrice },
      ts,
    );
    return { ok: true, positionId };
  }

  /** The position id when it is a pending entry (the engine replaces it with the new plan). */
  private pendingEntryOf(positionId: string): string | null {
    const view = this.deps.runtime.positions().find((p) => p.positionId === positionId);
    return view?.state === 'pending_entry' ? positionId : null;
  }

  /** What every position can still lose: its open contracts and its working entry orders. */
  private exposures(): Exposure[] {
    const out: Exposure[] = [];
    for (const view of this.deps.runtime.positions()) {
      const ctx = view.context;
      const openQty = ctx.filledQty - ctx.exitedQty;
      const pending: { price: number; quantity: number }[] = [];
      for (const leg of ctx.legs) {
        const left = leg.quantity - leg.filled;
        if (left > 0 && (leg.status === 'sent' || leg.status === 'working' || leg.status === 'cancelling'))
          pending.push({ price: leg.price, quantity: left });
      }
      if (openQty <= 0 && pending.length === 0) continue;
      out.push({
        symbol: ctx.symbol,
        side: ctx.side,
        stop: ctx.stop,
        openQty: Math.max(0, openQty),
        avgEntry: ctx.filledQty > 0 ? (ctx.entryTicksSum / ctx.filledQty) * ctx.grid.tickSize : 0,
        pending,
        tickSize: ctx.grid.tickSize,
        tickValue: ctx.grid.tickValue,
      });
    }
    return out;
  }

  /**
   * The last price already through the plan: through the stop is always refused; through the entry
   * (a limit that would fill at once) is refused or re-planned at the last price by settings.crossedEntry.
   */
  private crossedEntry(
    plan: EntryPlan,
    instrument: Instrument,
    settings: BotSettings,
    symbol: string,
  ): string | { plan: EntryPlan; note: string } | null {
    const last = this.deps.runtime.lastPrice(symbol);
    if (last === undefined) return null;
    const direction = plan.side === 'long' ? 1 : -1;
    const word = plan.side === 'long' ? 'below' : 'above';
    const lastTicks = toTicks(last, instrument);
    if ((lastTicks - toTicks(plan.stopPrice, instrument)) * direction <= 0) {
      return `FILTERED: crossed — last price ${last} is already at or ${word} the stop ${plan.stopPrice} of the ${plan.side} plan (entry ${plan.entryPrice}): it would fill and stop out at once; refused`;
    }
    if ((lastTicks - toTicks(plan.entryPrice, instrument)) * direction >= 0) return null;
    if (settings.crossedEntry === 'refuse') {
      return `FILTERED: crossed — last price ${last} is already ${word} the ${plan.side} entry ${plan.entryPrice} (the limit would fill at once); crossedEntry is refuse`;
    }
    const entryPrice = fromTicks(lastTicks, instrument);
    const replanned = resizePlan(plan, instrument, settings, {
      riskDollars: settings.riskPerTrade,
      maxContracts: settings.maxContracts,
      entryPrice,
    });
    if (!replanned.ok) return `FILTERED: crossed — re-planned at the last price ${last}: ${replanned.reason}`;
    return {
      plan: replanned.plan,
      note: `re-planned: last price ${last} was already ${word} the entry ${plan.entryPrice}, entry moved to ${entryPrice} (crossedEntry is replan)`,
    };
  }

  private onOutput(output: RuntimeOutput): void {
    switch (output.type) {
      case 'alert.outcome': {
        const entry = this.signals.get(output.signalId);
        if (!entry) return;
        entry.positionId = output.positionId;
        entry.outcome = entry.note ? `${output.reason} (${entry.note})` : output.reason;
        const { actor } = entry;
        if (output.outcome === 'opened' || output.outcome === 'replaced') {
          actor.send({ type: 'execute', ts: output.ts, positionId: output.positionId });
        } else if (output.outcome === 'declined') {
          actor.send({
            type: 'engine.declined',
            ts: output.ts,
            reason: `FILTERED: position — ${output.reason}`,
          });
        } else {
          actor.send({
            type: 'engine.done',
            ts: output.ts,
            reason: `EXECUTED: ${output.reason}`,
            positionId: output.positionId,
          });
        }
        if (actor.getSnapshot().status === 'done') this.forget(output.signalId);
        return;
      }
      case 'command': {
        const command = output.command;
        if (command.type === 'placeEntry' && this.signals.has(command.signalId)) {
          for (const leg of command.legs) this.entryTags.set(leg.tag, command.signalId);
        }
        return;
      }
      case 'broker': {
        const event = output.event;
        if (event.type !== 'order.accepted' && event.type !== 'order.rejected') return;
        const signalId = this.entryTags.get(event.tag);
        if (!signalId) return;
        this.entryTags.delete(event.tag);
        const entry = this.signals.get(signalId);
        if (!entry) return;
        if (event.type === 'order.accepted')
          entry.actor.send({
            type: 'order.accepted',
            ts: event.ts,
            orderId: event.orderId,
            reason: `EXECUTED: ${entry.outcome ?? 'entry placed'} — entry order ${event.orderId} accepted`,
          });
        else
          entry.actor.send({
            type: 'order.failed',
            ts: event.ts,
            reason: `FAILED: broker rejected the entry — ${event.reason}`,
            retryable: false,
          });
        if (entry.actor.getSnapshot().status === 'done') this.forget(signalId);
        return;
      }
      case 'position.finished': {
        const ctx = output.context;
        if (output.state !== 'closed' || ctx.filledQty === 0) return;
        const trade = tradeFromPosition(ctx);
        const before = this.guards;
        const after = applyTrade(
          before,
          { netPnl: trade.netPnl, exitTime: trade.exitTime },
          this.deps.settings(),
        );
        this.setGuardState(after, trade.exitTime);
        const breached =
          (!before.dailyLoss && after.dailyLoss) || (!before.trailingDrawdown && after.trailingDrawdown);
        if (breached && this.deps.runtime.slots().length > 0)
          this.deps.runtime.flatten('guard_flatten', trade.exitTime);
        return;
      }
      default:
        return;
    }
  }

  private record(signalId: string, entry: SignalEntry, emitted: SignalEmitted): void {
    const snapshot = entry.actor.getSnapshot();
    const ctx = snapshot.context;
    // Emitted before the assign of the same transition: take status and reason from the transition.
    const status = emitted.type === 'signal.transition' ? emitted.to : ctx.status;
    const reason = emitted.type === 'signal.transition' ? emitted.reason : ctx.reason;
    const record: SignalRecord = {
      id: signalId,
      alertId: entry.alert.alertId,
      accountId: this.deps.accountId,
      symbol: entry.alert.symbol,
      action: entry.alert.action,
      status,
      reason,
      attempts: emitted.type === 'signal.transition' ? emitted.attempts : ctx.attempts,
      scheduledAt: ctx.scheduledAt,
      executedTradeId: entry.positionId,
      confirmationScore: entry.plan?.confirmationScore ?? null,
      createdAt: entry.createdAt,
      updatedAt: emitted.ts,
    };
    this.deps.onSignal?.(record, emitted);
    if (emitted.type === 'signal.transition' && status !== 'EXECUTING') {
      this.deps.onDecision?.({
        accountId: this.deps.accountId,
        signalId,
        alertKey: entry.alert.key,
        symbol: entry.alert.symbol,
        action: entry.alert.action,
        status,
        reason,
        positionId: entry.positionId,
        plan: entry.plan,
        ts: emitted.ts,
      });
    }
  }

  private decisionOf(signalId: string, entry: SignalEntry, ts: number): SignalDecision {
    const ctx = entry.actor.getSnapshot().context;
    return {
      accountId: this.deps.accountId,
      signalId,
      alertKey: entry.alert.key,
      symbol: entry.alert.symbol,
      action: entry.alert.action,
      status: ctx.status,
      reason: ctx.reason,
      positionId: entry.positionId,
      plan: entry.plan,
      ts,
    };
  }

  private forget(signalId: string): void {
    this.signals.get(signalId)?.actor.stop();
    this.signals.delete(signalId);
  }
}
