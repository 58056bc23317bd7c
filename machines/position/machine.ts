/**
 * The position machine: one actor per open trade.
 *
 *   pending_entry (working → cancelling) → active → tp1 → tp2 → tp3 → exiting → closed
 *   pending_entry → cancelled
 *
 * Time arrives in events (`ts`); the entry deadline lives in context. The machine never does I/O:
 * its effects leave as messages (`position.output`) to its parent, or as emitted events when it runs
 * on its own. Those messages are commands (placeEntry, cancelEntry, closePosition, moveStop) and
 * `update`s that carry the state and the price band inside which no tick can change it.
 */
import { type ActorRefFrom, and, assign, enqueueActions, type SnapshotFrom, setup } from 'xstate';
import type { BrokerEvent } from '../../src/domain/events.ts';
import { entryTag, parseTag, stopTag } from '../../src/domain/tags.ts';
import { toTicks } from '../../src/domain/ticks.ts';
import type { ExitReason } from '../../src/domain/types.ts';
import type { PositionMachineState } from '../../src/domain/vocabulary.ts';
import { cancelEntryCommand, closePositionCommand, moveStopCommand, placeEntryCommand } from './commands.ts';
import { bandOf, openQty, rungReached, rungStop, stopBreached, stopExitReason } from './ladder.ts';
import type {
  LegState,
  PositionContext,
  PositionEvent,
  PositionInput,
  PositionMessage,
  PositionOutputEvent,
} from './types.ts';

type FillEvent = Extract<BrokerEvent, { type: 'order.filled' }>;
type Rung = 0 | 1 | 2 | 3;
/** The enqueue helper handed to enqueueActions; typed loosely at this boundary only. */
type Enqueue = {
  sendParent: (event: PositionOutputEvent) => void;
  emit: (event: PositionOutputEvent) => void;
  assign: (patch: Partial<PositionContext>) => void;
};

const MAX_EXIT_ATTEMPTS = 5;
const LIVE_LEG: ReadonlySet<string> = new Set(['sent', 'working', 'cancelling']);

function tagKind(ctx: PositionContext, event: { tag: string }): 'entry' | 'stop' | 'exit' | undefined {
  const parsed = parseTag(event.tag);
  return parsed && parsed.positionId === ctx.positionId ? parsed.kind : undefined;
}

function out(enqueue: Enqueue, self: { _parent?: unknown }, ctx: PositionContext, message: PositionMessage) {
  const event: PositionOutputEvent = { type: 'position.output', positionId: ctx.positionId, message };
  if (self._parent) enqueue.sendParent(event);
  else enqueue.emit(event);
}

function liveLegTags(legs: readonly LegState[]): string[] {
  return legs.filter((l) => LIVE_LEG.has(l.status)).map((l) => l.tag);
}

function markCancelling(legs: readonly LegState[]): LegState[] {
  return legs.map((l) =>
    l.status === 'sent' || l.status === 'working' ? { ...l, status: 'cancelling' } : l,
  );
}

function applyLeg(legs: readonly LegState[], tag: string, change: (leg: LegState) => LegState): LegState[] {
  return legs.map((l) => (l.tag === tag ? change(l) : l));
}

/** Context after an entry fill. */
function withEntryFill(ctx: PositionContext, e: FillEvent): Partial<PositionContext> {
  // A leg never fills beyond its size: anything more is the same fill reported twice.
  const leg = ctx.legs.find((l) => l.tag === e.tag);
  const quantity = leg ? Math.max(0, Math.min(e.quantity, leg.quantity - leg.filled)) : e.quantity;
  if (quantity === 0) return { lastTs: e.ts };
  const legs = applyLeg(ctx.legs, e.tag, (l) => {
    const filled = l.filled + quantity;
    return { ...l, filled, orderId: e.orderId, status: filled >= l.quantity ? 'filled' : l.status };
  });
  return {
    legs,
    filledQty: ctx.filledQty + quantity,
    entryTicksSum: ctx.entryTicksSum + toTicks(e.price, ctx.grid) * quantity,
    firstFillAt: ctx.firstFillAt ?? e.ts,
    fees: ctx.fees + e.fees,
    lastTs: e.ts,
  };
}

function withExitFill(ctx: PositionContext, e: FillEvent): Partial<PositionContext> {
  const quantity = Math.min(e.quantity, Math.max(0, openQty(ctx)));
  return {
    exitedQty: ctx.exitedQty + quantity,
    exitTicksSum: ctx.exitTicksSum + toTicks(e.price, ctx.grid) * quantity,
    lastExitAt: e.ts,
    fees: ctx.fees + e.fees,
    lastTs: e.ts,
  };
}

const positionSetup = setup({
  types: {
    context: {} as PositionContext,
    events: {} as PositionEvent,
    input: {} as PositionInput,
    emitted: {} as PositionOutputEvent,
  },
  guards: {
    expired: ({ context, event }) => 'ts' in event && event.ts >= context.expiresAt,
    isEntryFill: ({ context, event }) => event.type === 'order.filled' && tagKind(context, event) === 'entry',
    isExitFill: ({ context, event }) => {
      if (event.type !== 'order.filled') return false;
      const kind = tagKind(context, event);
      return kind === 'exit' || kind === 'stop';
    },
    isStopFill: ({ context, event }) => event.type === 'order.filled' && tagKind(context, event) === 'stop',
    exitRequested: ({ context }) => context.exitReason !== null,
    noLiveEntry: ({ context }) => context.filledQty === 0 && liveLegTags(context.legs).length === 0,
    flat: ({ context }) => context.filledQty > 0 && context.exitedQty >= context.filledQty,
    stopBreached: ({ context, event }) => event.type === 'tick' && stopBreached(context, event.price),
    reaches: ({ context, event }, params: { rung: 1 | 2 | 3 }) =>
      event.type === 'tick' && rungReached(context, event.price) >= params.rung,
    closesAtTp3: ({ context, event }) =>
      context.closeAtTp3 && event.type === 'tick' && rungReached(context, event.price) === 3,
    /** The event is about the protective stop order the position currently relies on. */
    isCurrentStop: ({ context, event }) =>
      (event.type === 'order.rejected' || event.type === 'order.cancelled') &&
      event.tag === stopTag(context.positionId, context.stopSeq),
    isExitOrderDead: ({ context, event }) =>
      (event.type === 'order.rejected' || event.type === 'order.cancelled') &&
      tagKind(context, event) === 'exit',
  },
  actions: {
    publish: enqueueActions(({ context, event, self, enqueue }, params: { state: PositionMachineState }) => {
      const ts = 'ts' in event && typeof event.ts === 'number' ? event.ts : context.lastTs;
      out(
        enqueue as unknown as Enqueue,
        self,
        context,
        updateMessage({ ...context, lastTs: ts }, params.state),
      );
    }),
    placeLegs: enqueueActions(({ context, self, enqueue }) => {
      const legs = context.legs.filter((l) => l.status === 'sent');
      if (legs.length === 0) return;
      out(enqueue as unknown as Enqueue, self, context, placeEntryCommand(context, legs, context.lastTs));
    }),
    requestCancel: enqueueActions(({ context, event, self, enqueue }) => {
      const ts = 'ts' in event ? event.ts : context.lastTs;
      const tags = liveLegTags(context.legs).filter((t) => {
        const leg = context.legs.find((l) => l.tag === t);
        return leg !== undefined && leg.status !== 'cancelling';
      });
      const reason =
        event.type === 'exit'
          ? event.reason
          : event.type === 'cancel'
            ? event.reason
            : event.type === 'tick' || event.type === 'clock'
              ? 'entry expired'
              : 'cancelled';
      enqueue.assign({
        legs: markCancelling(context.legs),
        cancelReason: context.cancelReason ?? reason,
        exitReason: event.type === 'exit' ? (context.exitReason ?? event.reason) : context.exitReason,
        lastTs: ts,
      });
      if (tags.length > 0) {
        out(enqueue as unknown as Enqueue, self, context, cancelEntryCommand(context, tags, ts));
      }
    }),
    replaceEntry: enqueueActions(({ context, event, self, enqueue }) => {
      if (event.type !== 'replace') return;
      const cancelTags = liveLegTags(context.legs).filter(
        (t) => context.legs.find((l) => l.tag === t)?.status !== 'cancelling',
      );
      const fresh: LegState[] = event.plan.legs.map((leg, i) => ({
        tag: entryTag(context.positionId, context.legSeq + i),
        price: leg.price,
        quantity: leg.quantity,
        filled: 0,
        orderId: null,
        status: 'sent',
      }));
      const next: PositionContext = {
        ...context,
        legs: [...markCancelling(context.legs), ...fresh],
        legSeq: context.legSeq + fresh.length,
        plan: event.plan,
        stop: event.plan.stopPrice,
        signalId: event.signalId,
        expiresAt: event.expiresAt,
        lastTs: event.ts,
      };
      enqueue.assign(next);
      const e = enqueue as unknown as Enqueue;
      if (cancelTags.length > 0) out(e, self, next, cancelEntryCommand(next, cancelTags, event.ts));
      out(e, self, next, placeEntryCommand(next, fresh, event.ts));
      out(e, self, next, updateMessage(next, 'pending_entry'));
    }),
    legAccepted: assign(({ context, event }) => {
      if (event.type !== 'order.accepted' || tagKind(context, event) !== 'entry') return {};
      return {
        legs: applyLeg(context.legs, event.tag, (l) => ({
          ...l,
          orderId: event.orderId,
          status: l.status === 'sent' ? 'working' : l.status,
        })),
        lastTs: event.ts,
      };
    }),
    legEnded: assign(({ context, event }) => {
      if (
        (event.type !== 'order.rejected' && event.type !== 'order.cancelled') ||
        tagKind(context, event) !== 'entry'
      )
        return {};
      const status = event.type === 'order.rejected' ? 'rejected' : 'cancelled';
      return {
        legs: applyLeg(context.legs, event.tag, (l) => (l.status === 'filled' ? l : { ...l, status })),
        cancelReason:
          event.type === 'order.rejected'
            ? (context.cancelReason ?? `entry rejected: ${event.reason}`)
            : context.cancelReason,
        lastTs: event.ts,
      };
    }),
    entryFill: assign(({ context, event }) =>
      event.type === 'order.filled' ? withEntryFill(context, event) : {},
    ),
    exitFill: assign(({ context, event }) =>
      event.type === 'order.filled' ? withExitFill(context, event) : {},
    ),
    /** A broker-side protective stop filled while the position was open: record why it ended. */
    stopFilled: assign(({ context }) => ({ exitReason: context.exitReason ?? stopExitReason(context.rung) })),
    climb: assign(({ context, event }) => {
      if (event.type !== 'tick') return {};
      const rung = rungReached(context, event.price) as Rung;
      if (rung === 0 || rung === context.rung) return { lastTs: event.ts };
      return { rung, stop: rungStop(context, rung), lastTs: event.ts };
    }),
    /** Keep the broker-side protective stop equal to the ladder's stop for the open size. */
    syncProtectiveStop: enqueueActions(({ context, event, self, enqueue }) => {
      const quantity = openQty(context);
      if (quantity === context.stopQty && context.stop === context.stopOrderPrice) return;
      const ts = 'ts' in event ? event.ts : context.lastTs;
      enqueue.assign({ stopQty: quantity, stopOrderPrice: context.stop });
      out(enqueue as unknown as Enqueue, self, context, moveStopCommand(context, quantity, ts));
    }),
    stopOrderLost: assign(({ context, event }) => {
      if (
        (event.type !== 'order.rejected' && event.type !== 'order.cancelled') ||
        event.tag !== stopTag(context.positionId, context.stopSeq)
      )
        return {};
      // Only the current stop order counts (a replayed cancel of an older one changes nothing).
      // A cancelled stop is placed again at once under a new tag (the open states sync right after);
      // a rejected one waits for the next sync (or the venue's periodic check), so a stop the broker
      // keeps refusing cannot loop. The ladder still guards in memory meanwhile.
      return { stopSeq: context.stopSeq + 1, stopQty: 0, stopOrderPrice: null, lastTs: event.ts };
    }),
    /** Start leaving an open position: cancel working entry legs and flatten the open size at market. */
    beginExit: enqueueActions(({ context, event, self, enqueue }, params: { reason?: ExitReason }) => {
      const ts = 'ts' in event ? event.ts : context.lastTs;
      let reason: ExitReason =
        params.reason ??
        (event.type === 'exit' ? event.reason : (context.exitReason ?? stopExitReason(context.rung)));
      let rung = context.rung;
      if (event.type === 'tick') {
        const breached = stopBreached(context, event.price);
        if (breached && !params.reason) reason = stopExitReason(context.rung);
        // A target exit (TP3 with closeAtTp3) records the rung it reached, like a climb would.
        else if (!breached) rung = rungReached(context, event.price);
      }
      const next: PositionContext = {
        ...context,
        rung,
        exitReason: context.exitReason ?? reason,
        legs: markCancelling(context.legs),
        exitSeq: context.exitSeq + 1,
        exitAttempts: context.exitAttempts + 1,
        stopQty: 0,
        lastTs: ts,
      };
      enqueue.assign(next);
      const e = enqueue as unknown as Enqueue;
      const tags = liveLegTags(context.legs).filter(
        (t) => context.legs.find((l) => l.tag === t)?.status !== 'cancelling',
      );
      if (tags.length > 0) out(e, self, next, cancelEntryCommand(next, tags, ts));
      // The broker-side stop goes first: left working after the close, it would open a new position.
      if (context.stopQty > 0) {
        out(e, self, next, moveStopCommand(next, 0, ts, context.stop));
      }
      const quantity = openQty(next);
      if (quantity > 0) {
        out(e, self, next, closePositionCommand(next, quantity, ts, next.exitReason ?? reason));
      }
    }),
    /** A close order died or an entry leg filled late while exiting: flatten what is still open. */
    closeRemainder: enqueueActions(({ context, event, self, enqueue }) => {
      const quantity = openQty(context);
      if (quantity <= 0 || context.exitAttempts >= MAX_EXIT_ATTEMPTS) return;
      const ts = 'ts' in event ? event.ts : context.lastTs;
      const next = {
        ...context,
        exitSeq: context.exitSeq + 1,
        exitAttempts: context.exitAttempts + 1,
        lastTs: ts,
      };
      enqueue.assign({ exitSeq: next.exitSeq, exitAttempts: next.exitAttempts, lastTs: ts });
      out(
        enqueue as unknown as Enqueue,
        self,
        next,
        closePositionCommand(next, quantity, ts, next.exitReason ?? 'manual'),
      );
    }),
    /**
     * The broker closed (part of) the position with orders that are not ours: book its fills (or the
     * current stop when none were found), cancel working entry legs, resize or drop the protective stop.
     */
    brokerFlattened: enqueueActions(({ context, event, self, enqueue }) => {
      if (event.type !== 'position.flattened' || event.positionId !== context.positionId) return;
      const quantity = Math.min(event.quantity, Math.max(0, openQty(context)));
      let left = quantity;
      let ticks = 0;
      for (const fill of event.fills) {
        const q = Math.min(fill.quantity, left);
        ticks += toTicks(fill.price, context.grid) * q;
        left -= q;
      }
      ticks += toTicks(context.stop, context.grid) * left;
      const tags = liveLegTags(context.legs).filter(
        (t) => context.legs.find((l) => l.tag === t)?.status !== 'cancelling',
      );
      const next: PositionContext = {
        ...context,
        exitedQty: context.exitedQty + quantity,
        exitTicksSum: context.exitTicksSum + ticks,
        lastExitAt: quantity > 0 ? event.ts : context.lastExitAt,
        fees: context.fees + event.fees,
        // Nothing of ours closed any of it: the broker ended the trade, whatever we had asked for.
        exitReason: context.exitedQty === 0 ? 'broker_flatten' : (context.exitReason ?? 'broker_flatten'),
        legs: markCancelling(context.legs),
        lastTs: event.ts,
      };
      const e = enqueue as unknown as Enqueue;
      if (tags.length > 0) out(e, self, next, cancelEntryCommand(next, tags, event.ts));
      const open = openQty(next);
      if (context.stopQty > 0 && open === 0) {
        // The broker cancels working orders when it flattens; make sure ours is gone too.
        out(e, self, next, moveStopCommand(next, 0, event.ts, context.stopOrderPrice ?? context.stop));
        enqueue.assign({ ...next, stopQty: 0 });
      } else if (open > 0 && context.stopQty > 0 && open !== context.stopQty) {
        out(e, self, next, moveStopCommand(next, open, event.ts));
        enqueue.assign({ ...next, stopQty: open, stopOrderPrice: next.stop });
      } else {
        enqueue.assign(next);
      }
    }),
    markClosed: assign(({ context, event }) => ({ closedAt: 'ts' in event ? event.ts : context.lastTs })),
  },
});

/** The open state of a rung. */
function rungState(rung: number): 'active' | 'tp1' | 'tp2' | 'tp3' {
  switch (rung) {
    case 0:
      return 'active';
    case 1:
      return 'tp1';
    case 2:
      return 'tp2';
    case 3:
      return 'tp3';
    default:
      throw new Error(`no ladder rung ${rung}`);
  }
}

/** The four open states differ only in the rungs still above them. */
function openState(rung: Rung) {
  const climbs = ([3, 2, 1] as const)
    .filter((r) => r > rung)
    .map((r) => ({
      guard: { type: 'reaches' as const, params: { rung: r } },
      target: `tp${r}` as const,
      actions: 'climb' as const,
    }));
  return positionSetup.createStateConfig({
    entry: ['syncProtectiveStop', { type: 'publish', params: { state: rungState(rung) } }],
    always: { guard: 'flat', target: 'closed' },
    on: {
      tick: [
        { guard: 'stopBreached', target: 'exiting', actions: { type: 'beginExit', params: {} } },
        ...(rung < 3
          ? [
              {
                guard: 'closesAtTp3' as const,
                target: 'exiting' as const,
                actions: { type: 'beginExit' as const, params: { reason: 'target_tp3' as const } },
              },
            ]
          : []),
        ...climbs,
      ],
      exit: { target: 'exiting', actions: { type: 'beginExit', params: {} } },
      cancel: { actions: 'requestCancel' },
      'position.flattened': { actions: 'brokerFlattened' },
      'order.accepted': { actions: 'legAccepted' },
      'order.rejected': { actions: ['legEnded', 'stopOrderLost'] },
      // The broker cancelled the stop we rely on (or it vanished from the book): re-place it now,
      // not at the next rung. Any other cancel (an entry leg, an older stop) places nothing.
      'order.cancelled': [
        { guard: 'isCurrentStop', actions: ['stopOrderLost', 'syncProtectiveStop'] },
        { actions: 'legEnded' },
      ],
      'order.filled': [
        { guard: 'isEntryFill', actions: ['entryFill', 'syncProtectiveStop'] },
        {
          guard: 'isStopFill',
          target: 'exiting',
          actions: ['exitFill', 'stopFilled', { type: 'beginExit', params: {} }],
        },
        { guard: 'isExitFill', actions: 'exitFill' },
      ],
    },
  });
}

export const positionMachine = positionSetup.createMachine({
  id: 'position',
  context: ({ input }) => {
    const legs: LegState[] = input.plan.legs.map((leg, i) => ({
      tag: entryTag(input.positionId, i),
      price: leg.price,
      quantity: leg.quantity,
      filled: 0,
      orderId: null,
      status: 'sent',
    }));
    return {
      positionId: input.positionId,
      signalId: input.signalId,
      accountId: input.accountId,
      symbol: input.symbol,
      contractId: input.contractId,
      side: input.plan.side,
      grid: input.instrument,
      plan: input.plan,
      openedAt: input.ts,
      expiresAt: input.expiresAt,
      closeAtTp3: input.closeAtTp3,
      legs,
      legSeq: legs.length,
      filledQty: 0,
      entryTicksSum: 0,
      firstFillAt: null,
      stop: input.plan.stopPrice,
      rung: 0,
      stopSeq: 1,
      stopQty: 0,
      stopOrderPrice: null,
      exitSeq: 0,
      exitPendingQty: 0,
      exitAttempts: 0,
      exitReason: null,
      cancelReason: null,
      exitedQty: 0,
      exitTicksSum: 0,
      lastExitAt: null,
      fees: 0,
      closedAt: null,
      lastTs: input.ts,
    };
  },
  initial: 'pending_entry',
  states: {
    pending_entry: {
      entry: ['placeLegs'],
      initial: 'working',
      always: { guard: 'noLiveEntry', target: 'cancelled' },
      on: {
        'order.accepted': { actions: 'legAccepted' },
        'order.rejected': { actions: 'legEnded' },
        'order.cancelled': { actions: 'legEnded' },
        'order.filled': [{ guard: { type: 'isEntryFill' }, target: 'active', actions: 'entryFill' }],
      },
      states: {
        working: {
          entry: { type: 'publish', params: { state: 'pending_entry' } },
          on: {
            tick: { guard: 'expired', target: 'cancelling', actions: 'requestCancel' },
            clock: { guard: 'expired', target: 'cancelling', actions: 'requestCancel' },
            replace: { actions: 'replaceEntry' },
            exit: { target: 'cancelling', actions: 'requestCancel' },
            cancel: { target: 'cancelling', actions: 'requestCancel' },
          },
        },
        cancelling: {
          entry: { type: 'publish', params: { state: 'cancelling' } },
          on: {
            exit: {
              actions: assign(({ context, event }) => ({ exitReason: context.exitReason ?? event.reason })),
            },
            'order.filled': [
              // The trader asked to leave while the cancel was in flight: leave at once.
              {
                guard: and(['isEntryFill', 'exitRequested']),
                target: '#position.exiting',
                actions: ['entryFill', { type: 'beginExit', params: {} }],
              },
            ],
          },
        },
      },
    },
    active: openState(0),
    tp1: openState(1),
    tp2: openState(2),
    tp3: openState(3),
    exiting: {
      entry: { type: 'publish', params: { state: 'exiting' } },
      always: { guard: 'flat', target: 'closed' },
      on: {
        'order.accepted': { actions: 'legAccepted' },
        'order.rejected': [{ guard: 'isExitOrderDead', actions: 'closeRemainder' }, { actions: 'legEnded' }],
        'order.cancelled': [{ guard: 'isExitOrderDead', actions: 'closeRemainder' }, { actions: 'legEnded' }],
        'position.flattened': { actions: 'brokerFlattened' },
        'order.filled': [
          { guard: 'isExitFill', actions: 'exitFill' },
          { guard: 'isEntryFill', actions: ['entryFill', 'closeRemainder'] },
        ],
      },
    },
    // closed and cancelled absorb every event (no transitions) but are not `type: 'final'` on purpose: a
    // final child sends its parent an `xstate.done.actor.<id>` event, and XState memoises transition
    // candidates per event type on the engine's state node, so every finished position would leave one
    // cache entry behind (the soak campaign measured ~130 bytes each). The engine stops the child on
    // its closing update instead.
    closed: { entry: ['markClosed', { type: 'publish', params: { state: 'closed' } }] },
    cancelled: { entry: ['markClosed', { type: 'publish', params: { state: 'cancelled' } }] },
  },
});

function updateMessage(ctx: PositionContext, state: PositionMachineState): PositionMessage {
  const band = bandOf(state, ctx);
  const update: PositionMessage = {
    type: 'update',
    positionId: ctx.positionId,
    symbol: ctx.symbol,
    accountId: ctx.accountId,
    state,
    band,
    ts: ctx.lastTs,
  };
  return state === 'closed' || state === 'cancelled' ? { ...update, final: ctx } : update;
}

export type PositionMachine = typeof positionMachine;
export type PositionActor = ActorRefFrom<PositionMachine>;
export type PositionSnapshot = SnapshotFrom<PositionMachine>;
