/**
 * The signal machine: one actor per alert, from arrival to exactly one decision.
 *
 *   PENDING → FILTERED                      (a filter or guard said no, with the reason)
 *   PENDING → IGNORED                       (duplicate, stale)
 *   PENDING → EXECUTING → EXECUTED          (the broker accepted the order, or the engine acted)
 *   EXECUTING → RETRY_WAIT → EXECUTING      (an outcome that may be retried, with backoff)
 *   EXECUTING → FAILED                      (rejected, or out of attempts)
 *
 * The retry time lives in context (`scheduledAt`) and is checked on `retry.due` events, which the
 * runtime's sweep sends; the machine keeps no timers. Every transition is emitted as
 * `signal.transition` so the runtime can append it to execution_events.
 */
import { type ActorRefFrom, assign, emit, enqueueActions, type SnapshotFrom, setup } from 'xstate';

export const SIGNAL_MACHINE_VERSION = 'signal@1';

export type SignalStatusName = 'PENDING' | 'FILTERED' | 'EXECUTING' | 'EXECUTED' | 'FAILED' | 'IGNORED';

export interface SignalInput {
  readonly signalId: string;
  readonly ts: number;
  readonly maxAttempts?: number;
  /** Backoff before retry n (1-based), ms: base × 2^(n−1), capped. */
  readonly retryBaseMs?: number;
  readonly retryMaxMs?: number;
}

export interface SignalContext {
  readonly signalId: string;
  readonly status: SignalStatusName;
  readonly reason: string | null;
  readonly attempts: number;
  readonly maxAttempts: number;
  readonly retryBaseMs: number;
  readonly retryMaxMs: number;
  readonly scheduledAt: number | null;
  /** The position the signal opened or acted on. */
  readonly executedTradeId: string | null;
  readonly orderId: string | null;
  readonly updatedAt: number;
}

export type SignalEvent =
  | { readonly type: 'filter.rejected'; readonly ts: number; readonly reason: string }
  | { readonly type: 'ignore'; readonly ts: number; readonly reason: string }
  | { readonly type: 'execute'; readonly ts: number; readonly positionId: string | null }
  /** The engine acted without an order of its own (closed or cancelled an existing position). */
  | {
      readonly type: 'engine.done';
      readonly ts: number;
      readonly reason: string;
      readonly positionId: string | null;
    }
  /** The engine declined (e.g. already long): a filtered decision with the engine's reason. */
  | { readonly type: 'engine.declined'; readonly ts: number; readonly reason: string }
  | {
      readonly type: 'order.accepted';
      readonly ts: number;
      readonly orderId: string;
      readonly reason?: string;
    }
  | {
      readonly type: 'order.failed';
      readonly ts: number;
      readonly reason: string;
      readonly retryable: boolean;
    }
  | { readonly type: 'retry.due'; readonly ts: number };

export interface SignalTransition {
  readonly type: 'signal.transition';
  readonly signalId: string;
  readonly from: SignalStatusName;
  readonly to: SignalStatusName;
  readonly ts: number;
  readonly reason: string | null;
  readonly attempts: number;
}

/** Asks the runtime to place the order again (same tags: the broker's uniqueness gate prevents a double). */
export interface SignalRetry {
  readonly type: 'signal.retry';
  readonly signalId: string;
  readonly attempt: number;
  readonly ts: number;
}

export type SignalEmitted = SignalTransition | SignalRetry;

const reasonOfEvent = (e: SignalEvent): string | null => ('reason' in e ? (e.reason ?? null) : null);

export const signalMachine = setup({
  types: {
    context: {} as SignalContext,
    events: {} as SignalEvent,
    input: {} as SignalInput,
    emitted: {} as SignalEmitted,
  },
  guards: {
    canRetry: ({ context, event }) =>
      event.type === 'order.failed' && event.retryable && context.attempts < context.maxAttempts,
    due: ({ context, event }) => context.scheduledAt !== null && event.ts >= context.scheduledAt,
  },
  actions: {
    /** Move to a decision status: emit the transition for execution_events, then record it. */
    record: enqueueActions(
      ({ context, event, enqueue }, params: { to: SignalStatusName; reason?: string }) => {
        const reason = reasonOfEvent(event) ?? params.reason ?? context.reason;
        const attempts = params.to === 'EXECUTING' ? context.attempts + 1 : context.attempts;
        enqueue.emit({
          type: 'signal.transition',
          signalId: context.signalId,
          from: context.status,
          to: params.to,
          ts: event.ts,
          reason,
          attempts,
        });
        enqueue.assign({ status: params.to, reason, attempts, updatedAt: event.ts });
      },
    ),
  },
}).createMachine({
  id: 'signal',
  context: ({ input }) => ({
    signalId: input.signalId,
    status: 'PENDING',
    reason: null,
    attempts: 0,
    maxAttempts: input.maxAttempts ?? 3,
    retryBaseMs: input.retryBaseMs ?? 2_000,
    retryMaxMs: input.retryMaxMs ?? 60_000,
    scheduledAt: null,
    executedTradeId: null,
    orderId: null,
    updatedAt: input.ts,
  }),
  initial: 'PENDING',
  states: {
    PENDING: {
      on: {
        'filter.rejected': { target: 'FILTERED', actions: { type: 'record', params: { to: 'FILTERED' } } },
        'engine.declined': { target: 'FILTERED', actions: { type: 'record', params: { to: 'FILTERED' } } },
        ignore: { target: 'IGNORED', actions: { type: 'record', params: { to: 'IGNORED' } } },
        execute: {
          target: 'EXECUTING',
          actions: [
            { type: 'record', params: { to: 'EXECUTING' } },
            assign(({ context, event }) => ({
              executedTradeId: event.positionId ?? context.executedTradeId,
            })),
          ],
        },
        'engine.done': {
          target: 'EXECUTED',
          actions: [
            { type: 'record', params: { to: 'EXECUTED' } },
            assign(({ event }) => ({ executedTradeId: event.positionId })),
          ],
        },
      },
    },
    EXECUTING: {
      on: {
        'order.accepted': {
          target: 'EXECUTED',
          actions: [
            { type: 'record', params: { to: 'EXECUTED', reason: 'order accepted' } },
            assign(({ event }) => ({ orderId: event.orderId })),
          ],
        },
        'engine.done': { target: 'EXECUTED', actions: { type: 'record', params: { to: 'EXECUTED' } } },
        'order.failed': [
          {
            guard: 'canRetry',
            target: 'RETRY_WAIT',
            actions: [
              // RETRY_WAIT is stored as EXECUTING with a scheduled time (the table's enum has no retry state).
              assign(({ context, event }) => ({
                reason: `retry ${context.attempts + 1}/${context.maxAttempts} after: ${event.type === 'order.failed' ? event.reason : ''}`,
                scheduledAt:
                  event.ts + Math.min(context.retryMaxMs, context.retryBaseMs * 2 ** (context.attempts - 1)),
                updatedAt: event.ts,
              })),
            ],
          },
          { target: 'FAILED', actions: { type: 'record', params: { to: 'FAILED' } } },
        ],
      },
    },
    RETRY_WAIT: {
      on: {
        'retry.due': {
          guard: 'due',
          target: 'EXECUTING',
          actions: [
            emit(({ context, event }) => ({
              type: 'signal.retry' as const,
              signalId: context.signalId,
              attempt: context.attempts + 1,
              ts: event.ts,
            })),
            assign(({ context, event }) => ({
              attempts: context.attempts + 1,
              scheduledAt: null,
              updatedAt: event.ts,
            })),
          ],
        },
        'order.accepted': {
          target: 'EXECUTED',
          actions: [
            { type: 'record', params: { to: 'EXECUTED', reason: 'order accepted' } },
            assign(({ event }) => ({ orderId: event.orderId })),
          ],
        },
      },
    },
    FILTERED: { type: 'final' },
    IGNORED: { type: 'final' },
    EXECUTED: { type: 'final' },
    FAILED: { type: 'final' },
  },
});

export type SignalMachine = typeof signalMachine;
export type SignalActor = ActorRefFrom<SignalMachine>;
export type SignalSnapshot = SnapshotFrom<SignalMachine>;
