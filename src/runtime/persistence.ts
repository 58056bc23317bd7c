/**
 * The store sink: turns runtime outputs and signal records into writes. Position changes go through
 * the write queue's batch (state changes only, never per tick); trades, decisions and transition
 * events are written at once and in order. The engine never waits on any of it.
 */

import { ENGINE_MACHINE_VERSION } from '../../machines/engine/machine.ts';
import { averageEntryPrice, realizedGross, topStateOf } from '../../machines/position/ladder.ts';
import type { PositionContext } from '../../machines/position/types.ts';
import type { SignalEmitted } from '../../machines/signal/machine.ts';
import { assertNever, type PositionMachineState } from '../domain/vocabulary.ts';
import type {
  ExecutionEvent,
  PositionRecord,
  PositionStateName,
  SignalRecord,
  TradeRecord,
} from '../ports/store.ts';
import type { EngineRuntime, RuntimeOutput } from './engine-runtime.ts';
import { tradeFromPosition } from './trades.ts';

/** The writes the sink needs (the WriteQueue implements them). */
export interface PersistenceWriter {
  updatePosition(position: PositionRecord): void;
  /** Write dirty positions now (state changes are made durable at once, for crash recovery). */
  flush(): Promise<void>;
  closePosition(position: PositionRecord, trade: TradeRecord): Promise<boolean>;
  writeSignal(signal: SignalRecord): Promise<void>;
  appendEvents(events: readonly ExecutionEvent[]): Promise<void>;
}

/**
 * The stored state of a machine state: the same name for the seven stored ones; `cancelling` is
 * still pending_entry and `exiting` keeps the highest rung reached.
 */
export function storeState(state: PositionMachineState, ctx: PositionContext): PositionStateName {
  switch (state) {
    case 'pending_entry':
    case 'active':
    case 'tp1':
    case 'tp2':
    case 'tp3':
    case 'closed':
    case 'cancelled':
      return state;
    case 'cancelling':
      return 'pending_entry';
    case 'exiting':
      return ctx.rung === 0 ? 'active' : ctx.rung === 1 ? 'tp1' : ctx.rung === 2 ? 'tp2' : 'tp3';
    default:
      return assertNever(state, 'position machine state');
  }
}

export function positionRecord(
  ctx: PositionContext,
  state: PositionMachineState,
  snapshot: unknown,
  extra: {
    alertId: number | null;
    unrealizedPnl?: number;
    llm?: { reasoning: string | null; confidence: number | null };
  },
): PositionRecord {
  const finished = state === 'closed' || state === 'cancelled';
  return {
    id: ctx.positionId,
    // An adopted position (taken over from the broker) has no signal.
    signalId: ctx.signalId === '' ? null : ctx.signalId,
    alertId: extra.alertId,
    accountId: ctx.accountId,
    symbol: ctx.symbol,
    contractId: ctx.contractId,
    side: ctx.side,
    state: storeState(state, ctx),
    quantity: ctx.plan.quantity,
    filledQuantity: ctx.filledQty,
    entryOrderId: ctx.legs[0]?.orderId ?? null,
    entryPrice: ctx.plan.entryPrice,
    fillPrice: averageEntryPrice(ctx),
    stopPrice: ctx.stop,
    tp1: ctx.plan.tp1,
    tp2: ctx.plan.tp2,
    tp3: ctx.plan.tp3,
    poc: ctx.plan.poc,
    vah: ctx.plan.vah,
    val: ctx.plan.val,
    confirmationScore: ctx.plan.confirmationScore,
    unrealizedPnl: finished ? 0 : (extra.unrealizedPnl ?? 0),
    realizedPnl: realizedGross(ctx),
    llmReasoning: extra.llm?.reasoning ?? null,
    llmConfidence: extra.llm?.confidence ?? null,
    snapshot,
    machineVersion: ENGINE_MACHINE_VERSION,
    openedAt: ctx.openedAt,
    updatedAt: ctx.lastTs,
    closedAt: ctx.closedAt,
  };
}

export interface PersistenceSinkOptions {
  readonly runtime: EngineRuntime;
  readonly writer: PersistenceWriter;
  readonly onError?: (what: string, error: unknown) => void;
}

export class PersistenceSink {
  private readonly alertOfPosition = new Map<string, number | null>();
  private readonly lastState = new Map<string, string>();
  private readonly llmNotes = new Map<string, { reasoning: string | null; confidence: number | null }>();

  constructor(private readonly options: PersistenceSinkOptions) {
    options.runtime.outputs$.subscribe((output) => this.onOutput(output));
  }

  /** A signal changed: write it at once, with its transition in execution_events. */
  onSignal(record: SignalRecord, emitted: SignalEmitted | null): void {
    if (record.executedTradeId) this.alertOfPosition.set(record.executedTradeId, record.alertId);
    this.guard('signal', this.options.writer.writeSignal(record));
    if (emitted?.type === 'signal.transition') {
      this.guard(
        'signal event',
        this.options.writer.appendEvents([
          {
            entityType: 'signal',
            entityId: record.id,
            fromState: emitted.from,
            toState: emitted.to,
            ts: emitted.ts,
            detail: {
              reason: emitted.reason,
              attempts: emitted.attempts,
              symbol: record.symbol,
              action: record.action,
            },
          },
        ]),
      );
    }
  }

  /** LLM trade notes arrive later; the next write of the position carries them. */
  setNote(positionId: string, reasoning: string | null, confidence: number | null): void {
    this.llmNotes.set(positionId, { reasoning, confidence });
    const view = this.options.runtime.positions().find((p) => p.positionId === positionId);
    if (view) this.writePosition(view.context, view.state);
  }

  private onOutput(output: RuntimeOutput): void {
    if (output.type === 'position.update') {
      const { update } = output;
      if (update.state === 'closed' || update.state === 'cancelled') return; // position.finished follows
      const child = this.options.runtime.engine.system.get(`position:${update.positionId}`);
      const snapshot = child?.getSnapshot() as { context: PositionContext; value: unknown } | undefined;
      if (!snapshot) return;
      this.writePosition(snapshot.context, topStateOf(snapshot.value), child?.getPersistedSnapshot());
    } else if (output.type === 'position.finished') {
      const ctx = output.context;
      // The final snapshot: what the actor held when it finished (kept for the record, never restored).
      const record = this.record(ctx, output.state, { status: 'done', value: output.state, context: ctx });
      this.transition(ctx, output.state);
      if (output.state === 'closed' && ctx.filledQty > 0) {
        this.guard('closing trade', this.options.writer.closePosition(record, tradeFromPosition(ctx)));
      } else {
        this.options.writer.updatePosition(record);
      }
      this.lastState.delete(ctx.positionId);
      this.llmNotes.delete(ctx.positionId);
      this.alertOfPosition.delete(ctx.positionId);
    }
  }

  private writePosition(ctx: PositionContext, state: PositionMachineState, persisted?: unknown): void {
    const snapshot =
      persisted ??
      this.options.runtime.engine.system.get(`position:${ctx.positionId}`)?.getPersistedSnapshot();
    const view = this.options.runtime.positions().find((p) => p.positionId === ctx.positionId);
    const changed = this.transition(ctx, state);
    this.options.writer.updatePosition(this.record(ctx, state, snapshot ?? null, view?.unrealizedPnl ?? 0));
    // A restart must find every position in the state the broker sees: write state changes at once;
    // anything else (notes, marks) waits for the batch.
    if (changed) this.guard('position flush', this.options.writer.flush());
  }

  private record(
    ctx: PositionContext,
    state: PositionMachineState,
    snapshot: unknown,
    unrealizedPnl = 0,
  ): PositionRecord {
    return positionRecord(ctx, state, snapshot, {
      alertId: this.alertOfPosition.get(ctx.positionId) ?? null,
      unrealizedPnl,
      llm: this.llmNotes.get(ctx.positionId),
    });
  }

  private transition(ctx: PositionContext, state: PositionMachineState): boolean {
    const from = this.lastState.get(ctx.positionId) ?? null;
    if (from === state) return false;
    this.lastState.set(ctx.positionId, state);
    this.guard(
      'position event',
      this.options.writer.appendEvents([
        {
          entityType: 'position',
          entityId: ctx.positionId,
          fromState: from,
          toState: state,
          ts: ctx.lastTs,
          detail: {
            symbol: ctx.symbol,
            side: ctx.side,
            stop: ctx.stop,
            rung: ctx.rung,
            filled: ctx.filledQty,
            exited: ctx.exitedQty,
            ...(ctx.exitReason ? { exitReason: ctx.exitReason } : {}),
          },
        },
      ]),
    );
    return true;
  }

  private guard(what: string, promise: Promise<unknown>): void {
    promise.catch((error: unknown) => this.options.onError?.(what, error));
  }
}
