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
import { evaluateFilters } from '../domain/filters.ts';
import { applyTrade, checkGuards, type GuardState, markToMarket, resetGuard } from '../domain/guards.ts';
import { getInstrument } from '../domain/instruments.ts';
import { buildEntryPlan } from '../domain/plan.ts';
import { tradingDayId } from '../domain/session-time.ts';
import type { BotSettings } from '../domain/settings.ts';
import type { AlertAction, Bar, EntryPlan } from '../domain/types.ts';
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
  /**
   * Backtests: a latched daily-loss guard resets at the next CME trading day, as a trader resets it
   * each morning (live, it waits for the manual reset). The trailing drawdown never auto-resets.
   */
  readonly resetDailyLossNextDay?: boolean;
}

const DEFAULT_GUARD_CHECK_MS = 1_000;

/** Ids that fit the order-tag alphabet and length (tags are `${positionId}-e0`, at most 40 chars). */
export function idFromKey(prefix: string, key: string): string {
  return `${prefix}${key.replace(/[^A-Za-z0-9_]/g, '_')}`.slice(0, 34);
}

interface SignalEntry {
  readonly actor: SignalActor;
  readonly alert: IncomingAlert;
  readonly createdAt: number;
  plan: EntryPlan | null;
  positionId: string | null;
  /** What the engine did with it, for the decision's reason. */
  outcome: string | null;
}

export class SignalProcessor {
  private guards: GuardState;
  private readonly signals = new Map<string, SignalEntry>();
  /** Entry tag → signal id, for the broker's answer to a placeEntry. */
  private readonly entryTags = new Map<string, string>();
  private lastGuardCheck = Number.NEGATIVE_INFINITY;

  constructor(private readonly deps: SignalProcessorDeps) {
    this.guards = deps.guardState;
    deps.runtime.outputs$.subscribe((output) => this.onOutput(output));
  }

  guardState(): GuardState {
    return this.guards;
  }

  setGuardState(state: GuardState): void {
    this.guards = state;
    this.deps.onGuardState?.(state);
  }

  /** Decide one alert at event time `ts`. Synchronous: the decision (or EXECUTING) is known on return. */
  process(alert: IncomingAlert, ts: number): SignalDecision {
    this.autoReset(ts);
    const signalId = idFromKey('s', alert.key);
    const existing = this.signals.get(signalId);
    if (existing) return this.decisionOf(signalId, existing, ts);
    const actor = createActor(signalMachine, { input: { signalId, ts } });
    const entry: SignalEntry = { actor, alert, createdAt: ts, plan: null, positionId: null, outcome: null };
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
      (marked.dailyLoss !== this.guards.dailyLoss || marked.trailingDrawdown !== this.guards.trailingDrawdown)
    ) {
      this.setGuardState(marked);
    }
    if (slots.length === 0) return;
    const check = checkGuards(this.guards, settings, ts, unrealized);
    if (!check.allowed && check.flattenNow) {
      this.deps.runtime.flatten(check.code === 'flat_by' ? 'session_flatten' : 'guard_flatten', ts);
    }
  }

  private autoReset(ts: number): void {
    const latch = this.guards.dailyLoss;
    if (!this.deps.resetDailyLossNextDay || !latch || tradingDayId(ts) === tradingDayId(latch.at)) return;
    this.setGuardState({ ...resetGuard(this.guards, 'dailyLoss'), tradingDay: tradingDayId(ts) });
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
    const instrument = getInstrument(alert.symbol);
    if (!instrument) {
      actor.send({
        type: 'filter.rejected',
        ts,
        reason: `FILTERED: unknown symbol — ${alert.symbol} is not a supported instrument`,
      });
      return;
    }
    const guard = checkGuards(this.guards, settings, ts);
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
    entry.plan = planned.plan;
    runtime.open(
      {
        positionId: idFromKey('p', alert.key),
        signalId,
        accountId,
        symbol: alert.symbol,
        contractId: this.deps.contractId(alert.symbol),
        instrument: {
          tickSize: instrument.tickSize,
          tickValue: instrument.tickValue,
          decimals: instrument.decimals,
        },
        plan: planned.plan,
        expiresAt: ts + settings.entryTimeoutMs,
        closeAtTp3: settings.closeAtTp3,
      },
      ts,
    );
  }

  private onOutput(output: RuntimeOutput): void {
    switch (output.type) {
      case 'alert.outcome': {
        const entry = this.signals.get(output.signalId);
        if (!entry) return;
        entry.positionId = output.positionId;
        entry.outcome = output.reason;
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
        this.setGuardState(after);
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
