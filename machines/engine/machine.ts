/**
 * The engine (root) machine. It owns one position actor per account and symbol, applies the alert
 * policy, routes ticks and broker events to the right position, and sends every command and state
 * change out as emitted events for the runtime to carry out and record.
 *
 * Alert policy:
 *  - buy/sell with no position: open one (spawn a position actor).
 *  - same side while the entry is pending: replace the entry (new plan, new legs).
 *  - same side while open: declined (already in the trade).
 *  - opposing side: cancel a pending entry, or close an open position (no reversal).
 *  - close: cancel a pending entry or close an open position. cancel: cancel working entry legs.
 *  - flatten (session flat-by time, guard breach, manual): every matching position leaves.
 *
 * Ticks reach a position only when they leave its band (see machines/position/ladder.ts); the
 * runtime skips the engine entirely while a tick stays inside the symbol's combined band.
 */

import { type ActorRefFrom, type AnyActorRef, enqueueActions, type SnapshotFrom, setup } from 'xstate';
import type { BrokerEvent, EngineCommand, OpenPositionRequest } from '../../src/domain/events.ts';
import { parseTag } from '../../src/domain/tags.ts';
import type { ExitReason, PriceBand, Side } from '../../src/domain/types.ts';
import type { PositionMachineState } from '../../src/domain/vocabulary.ts';
import { bandOf, topStateOf } from '../position/ladder.ts';
import { positionMachine } from '../position/machine.ts';
import type { PositionContext, PositionOutputEvent, PositionUpdate } from '../position/types.ts';

export const ENGINE_MACHINE_VERSION = 'engine@1+position@1';

/** A band as kept in context: null means unbounded, so snapshots survive JSON. */
export interface StoredBand {
  readonly low: number | null;
  readonly high: number | null;
  readonly until: number | null;
}

export interface PositionSlot {
  readonly positionId: string;
  readonly actorId: string;
  readonly accountId: string;
  readonly symbol: string;
  readonly side: Side;
}

/**
 * Context changes only when a position opens or finishes, never on a position's own transitions:
 * a position's state and band are read from its own snapshot when needed, so a busy ladder does not
 * copy the slot table on every rung.
 */
export interface EngineContext {
  /** `${accountId}:${symbol}` → the live position there. */
  readonly slots: Readonly<Record<string, PositionSlot>>;
  /** positionId → slot key, to route broker events by order tag. */
  readonly byPosition: Readonly<Record<string, string>>;
  /** symbol → actor ids of its positions, for tick routing. */
  readonly bySymbol: Readonly<Record<string, readonly string[]>>;
  /** Time of the last new entry per `${accountId}:${symbol}` (cooldown filter). */
  readonly lastEntryAt: Readonly<Record<string, number>>;
}

export type EngineEvent =
  | {
      readonly type: 'tick';
      readonly ts: number;
      readonly symbol: string;
      readonly price: number;
      /** The contract printed (after a roll a symbol has two): only positions holding it hear it. */
      readonly contractId?: string;
    }
  | { readonly type: 'clock'; readonly ts: number }
  | { readonly type: 'open'; readonly ts: number; readonly request: OpenPositionRequest }
  | {
      readonly type: 'close';
      readonly ts: number;
      readonly accountId: string;
      readonly symbol: string;
      readonly signalId: string;
      readonly reason: ExitReason;
    }
  | {
      readonly type: 'cancel';
      readonly ts: number;
      readonly accountId: string;
      readonly symbol: string;
      readonly signalId: string;
    }
  | {
      readonly type: 'flatten';
      readonly ts: number;
      readonly reason: ExitReason;
      readonly accountId?: string;
      readonly symbol?: string;
    }
  | BrokerEvent
  | PositionOutputEvent;

export type AlertOutcome = 'opened' | 'replaced' | 'cancelling' | 'closing' | 'declined';

export type EngineEmitted =
  | { readonly type: 'command'; readonly command: EngineCommand }
  | { readonly type: 'position.update'; readonly update: PositionUpdate }
  | {
      readonly type: 'position.finished';
      readonly positionId: string;
      readonly state: 'closed' | 'cancelled';
      readonly context: PositionContext;
    }
  | {
      readonly type: 'alert.outcome';
      readonly signalId: string;
      readonly outcome: AlertOutcome;
      readonly positionId: string | null;
      readonly reason: string;
      readonly ts: number;
    };

const OPEN_STATES: ReadonlySet<string> = new Set(['active', 'tp1', 'tp2', 'tp3']);

export function slotKey(accountId: string, symbol: string): string {
  return `${accountId}:${symbol}`;
}

export function toStoredBand(band: PriceBand): StoredBand {
  return {
    low: Number.isFinite(band.low) ? band.low : null,
    high: Number.isFinite(band.high) ? band.high : null,
    until: Number.isFinite(band.until) ? band.until : null,
  };
}

export function fromStoredBand(band: StoredBand): PriceBand {
  return {
    low: band.low ?? Number.NEGATIVE_INFINITY,
    high: band.high ?? Number.POSITIVE_INFINITY,
    until: band.until ?? Number.POSITIVE_INFINITY,
  };
}

/** True when a tick at (price, ts) can change the state of whatever owns the band. */
export function leavesBand(band: StoredBand, price: number, ts: number): boolean {
  return (
    (band.low !== null && price <= band.low) ||
    (band.high !== null && price >= band.high) ||
    (band.until !== null && ts >= band.until)
  );
}

/** State and band of a position actor, read from its own snapshot. */
function positionView(
  child: AnyActorRef | undefined,
): { state: PositionMachineState; band: PriceBand; contractId: string } | undefined {
  const snapshot = child?.getSnapshot() as
    | { value: unknown; context: PositionContext; status: string }
    | undefined;
  if (snapshot?.status !== 'active') return undefined;
  const state = topStateOf(snapshot.value);
  return { state, band: bandOf(state, snapshot.context), contractId: snapshot.context.contractId };
}

function sideWord(side: Side): string {
  return side === 'long' ? 'long' : 'short';
}

export const engineMachine = setup({
  types: {
    context: {} as EngineContext,
    events: {} as EngineEvent,
    emitted: {} as EngineEmitted,
  },
  actors: { position: positionMachine },
}).createMachine({
  id: 'engine',
  context: { slots: {}, byPosition: {}, bySymbol: {}, lastEntryAt: {} },
  initial: 'running',
  states: {
    running: {
      on: {
        tick: {
          actions: enqueueActions(({ context, event, system, enqueue }) => {
            const actorIds = context.bySymbol[event.symbol];
            if (!actorIds) return;
            for (const actorId of actorIds) {
              const child = system.get(actorId) as AnyActorRef | undefined;
              const view = positionView(child);
              if (!child || !view) continue;
              if (event.contractId !== undefined && event.contractId !== view.contractId) continue;
              const { band } = view;
              if (event.price <= band.low || event.price >= band.high || event.ts >= band.until) {
                enqueue.sendTo(child, { type: 'tick', ts: event.ts, price: event.price });
              }
            }
          }),
        },
        clock: {
          actions: enqueueActions(({ context, event, system, enqueue }) => {
            for (const slot of Object.values(context.slots)) {
              const child = system.get(slot.actorId) as AnyActorRef | undefined;
              const view = positionView(child);
              if (child && view && event.ts >= view.band.until)
                enqueue.sendTo(child, { type: 'clock', ts: event.ts });
            }
          }),
        },
        open: {
          actions: enqueueActions(({ context, event, system, enqueue }) => {
            const req = event.request;
            const key = slotKey(req.accountId, req.symbol);
            const slot = context.slots[key];
            const outcome = (outcome: AlertOutcome, positionId: string | null, reason: string) =>
              enqueue.emit({
                type: 'alert.outcome',
                signalId: req.signalId,
                outcome,
                positionId,
                reason,
                ts: event.ts,
              });
            if (!slot) {
              const actorId = `position:${req.positionId}`;
              if (system.get(actorId)) {
                outcome('declined', req.positionId, `position ${req.positionId} already exists`);
                return;
              }
              const slots = {
                ...context.slots,
                [key]: {
                  positionId: req.positionId,
                  actorId,
                  accountId: req.accountId,
                  symbol: req.symbol,
                  side: req.plan.side,
                },
              };
              enqueue.assign({
                slots,
                byPosition: { ...context.byPosition, [req.positionId]: key },
                bySymbol: {
                  ...context.bySymbol,
                  [req.symbol]: [...(context.bySymbol[req.symbol] ?? []), actorId],
                },
                lastEntryAt: { ...context.lastEntryAt, [key]: event.ts },
              });
              enqueue.spawnChild('position', {
                id: actorId,
                systemId: actorId,
                input: { ...req, ts: event.ts },
              });
              outcome(
                'opened',
                req.positionId,
                `${sideWord(req.plan.side)} ${req.plan.quantity} ${req.symbol} @ ${req.plan.entryPrice}`,
              );
              return;
            }
            if (slot.positionId === req.positionId) {
              // The same alert again (a replay after a restart): the position it opened is already here.
              outcome(
                'declined',
                slot.positionId,
                `the position for this alert is already open (${req.symbol})`,
              );
              return;
            }
            const child = system.get(slot.actorId) as AnyActorRef | undefined;
            const view = positionView(child);
            if (!child || !view) {
              outcome(
                'declined',
                slot.positionId,
                `the ${req.symbol} position is finishing; send the alert again`,
              );
              return;
            }
            const state = view.state;
            if (state === 'pending_entry') {
              if (slot.side === req.plan.side) {
                enqueue.sendTo(child, {
                  type: 'replace',
                  ts: event.ts,
                  signalId: req.signalId,
                  plan: req.plan,
                  expiresAt: req.expiresAt,
                });
                enqueue.assign({ lastEntryAt: { ...context.lastEntryAt, [key]: event.ts } });
                outcome(
                  'replaced',
                  slot.positionId,
                  `replaced the pending ${sideWord(slot.side)} ${req.symbol} entry with ${req.plan.entryPrice}`,
                );
              } else {
                enqueue.sendTo(child, { type: 'exit', ts: event.ts, reason: 'opposing_alert' });
                outcome(
                  'cancelling',
                  slot.positionId,
                  `cancelled the pending ${sideWord(slot.side)} ${req.symbol} entry (opposing alert)`,
                );
              }
              return;
            }
            if (OPEN_STATES.has(state)) {
              if (slot.side === req.plan.side) {
                outcome(
                  'declined',
                  slot.positionId,
                  `already ${sideWord(slot.side)} ${req.symbol} (${state}); same-side alert ignored`,
                );
              } else {
                enqueue.sendTo(child, { type: 'exit', ts: event.ts, reason: 'opposing_alert' });
                outcome(
                  'closing',
                  slot.positionId,
                  `closing the ${sideWord(slot.side)} ${req.symbol} position (opposing alert)`,
                );
              }
              return;
            }
            outcome(
              'declined',
              slot.positionId,
              `the ${req.symbol} position is ${state}; try again once it has finished`,
            );
          }),
        },
        close: {
          actions: enqueueActions(({ context, event, system, enqueue }) => {
            const slot = context.slots[slotKey(event.accountId, event.symbol)];
            const child = slot ? (system.get(slot.actorId) as AnyActorRef | undefined) : undefined;
            const emitOutcome = (outcome: AlertOutcome, reason: string) =>
              enqueue.emit({
                type: 'alert.outcome',
                signalId: event.signalId,
                outcome,
                positionId: slot?.positionId ?? null,
                reason,
                ts: event.ts,
              });
            const view = positionView(child);
            if (!slot || !child || !view)
              return emitOutcome('declined', `no open ${event.symbol} position to close`);
            if (view.state === 'pending_entry') {
              enqueue.sendTo(child, { type: 'exit', ts: event.ts, reason: event.reason });
              return emitOutcome('cancelling', `cancelled the pending ${event.symbol} entry (close alert)`);
            }
            if (OPEN_STATES.has(view.state)) {
              enqueue.sendTo(child, { type: 'exit', ts: event.ts, reason: event.reason });
              return emitOutcome(
                'closing',
                `closing the ${sideWord(slot.side)} ${event.symbol} position (close alert)`,
              );
            }
            return emitOutcome('declined', `the ${event.symbol} position is already ${view.state}`);
          }),
        },
        cancel: {
          actions: enqueueActions(({ context, event, system, enqueue }) => {
            const slot = context.slots[slotKey(event.accountId, event.symbol)];
            const child = slot ? (system.get(slot.actorId) as AnyActorRef | undefined) : undefined;
            const view = positionView(child);
            const working =
              view !== undefined && (view.state === 'pending_entry' || OPEN_STATES.has(view.state));
            if (slot && child && working)
              enqueue.sendTo(child, { type: 'cancel', ts: event.ts, reason: 'cancel alert' });
            enqueue.emit({
              type: 'alert.outcome',
              signalId: event.signalId,
              outcome: slot && child && working ? 'cancelling' : 'declined',
              positionId: slot?.positionId ?? null,
              reason:
                slot && child && working
                  ? `cancelling working ${event.symbol} entry orders (cancel alert)`
                  : `no working ${event.symbol} entry orders to cancel`,
              ts: event.ts,
            });
          }),
        },
        flatten: {
          actions: enqueueActions(({ context, event, system, enqueue }) => {
            for (const slot of Object.values(context.slots)) {
              if (event.accountId !== undefined && slot.accountId !== event.accountId) continue;
              if (event.symbol !== undefined && slot.symbol !== event.symbol) continue;
              const child = system.get(slot.actorId) as AnyActorRef | undefined;
              if (child) enqueue.sendTo(child, { type: 'exit', ts: event.ts, reason: event.reason });
            }
          }),
        },
        'order.*': {
          actions: enqueueActions(({ context, event, system, enqueue }) => {
            if (!('tag' in event)) return;
            const parsed = parseTag(event.tag);
            const key = parsed ? context.byPosition[parsed.positionId] : undefined;
            const slot = key ? context.slots[key] : undefined;
            const child = slot ? (system.get(slot.actorId) as AnyActorRef | undefined) : undefined;
            if (child) enqueue.sendTo(child, event);
          }),
        },
        'position.flattened': {
          actions: enqueueActions(({ context, event, system, enqueue }) => {
            const key = context.byPosition[event.positionId];
            const slot = key ? context.slots[key] : undefined;
            const child = slot ? (system.get(slot.actorId) as AnyActorRef | undefined) : undefined;
            if (child) enqueue.sendTo(child, event);
          }),
        },
        'position.output': {
          actions: enqueueActions(({ context, event, enqueue }) => {
            const message = event.message;
            if (message.type !== 'update') {
              enqueue.emit({ type: 'command', command: message });
              return;
            }
            const key = context.byPosition[event.positionId];
            const slot = key ? context.slots[key] : undefined;
            if (!key || !slot) return;
            enqueue.emit({ type: 'position.update', update: message });
            if (message.state === 'closed' || message.state === 'cancelled') {
              if (message.final) {
                enqueue.emit({
                  type: 'position.finished',
                  positionId: slot.positionId,
                  state: message.state,
                  context: message.final,
                });
              }
              const { [key]: _gone, ...slots } = context.slots;
              const { [slot.positionId]: _id, ...byPosition } = context.byPosition;
              const remaining = (context.bySymbol[slot.symbol] ?? []).filter((id) => id !== slot.actorId);
              const { [slot.symbol]: _list, ...otherSymbols } = context.bySymbol;
              enqueue.assign({
                slots,
                byPosition,
                bySymbol: remaining.length > 0 ? { ...otherSymbols, [slot.symbol]: remaining } : otherSymbols,
              });
              // A done child stays in snapshot.children until stopped: stop it, or every snapshot keeps it.
              enqueue.stopChild(slot.actorId);
            }
          }),
        },
      },
    },
  },
});

export type EngineMachine = typeof engineMachine;
export type EngineActor = ActorRefFrom<EngineMachine>;
export type EngineSnapshot = SnapshotFrom<EngineMachine>;
