/**
 * Crash recovery: rebuild the engine's persisted snapshot from the position rows, each of which
 * stores its own actor snapshot. The result restores every live position actor with its ladder,
 * legs and deadlines exactly where they were; no entry action runs again, so no order is re-sent.
 */

import { ENGINE_MACHINE_VERSION, slotKey } from '../../machines/engine/machine.ts';
import {
  cancelEntryCommand,
  closePositionCommand,
  moveStopCommand,
  placeEntryCommand,
} from '../../machines/position/commands.ts';
import { openQty } from '../../machines/position/ladder.ts';
import type { PositionContext } from '../../machines/position/types.ts';
import type { EngineCommand } from '../domain/events.ts';
import type { PositionRecord } from '../ports/store.ts';
import type { PositionView, ProtectiveStopMode } from './engine-runtime.ts';

export class RecoveryError extends Error {}

export function engineSnapshotFromPositions(positions: readonly PositionRecord[]): unknown | undefined {
  const live = positions.filter((p) => p.state !== 'closed' && p.state !== 'cancelled' && p.snapshot);
  if (live.length === 0) return undefined;
  const slots: Record<string, unknown> = {};
  const byPosition: Record<string, string> = {};
  const bySymbol: Record<string, string[]> = {};
  const lastEntryAt: Record<string, number> = {};
  const children: Record<string, unknown> = {};
  for (const p of live) {
    if (p.machineVersion !== ENGINE_MACHINE_VERSION) {
      throw new RecoveryError(
        `position ${p.id} was saved by machine version ${p.machineVersion}, this build runs ${ENGINE_MACHINE_VERSION}: ` +
          'finish or flatten it with the version that opened it, or close it by hand on the broker and mark it closed',
      );
    }
    const snapshot = p.snapshot as { context?: PositionContext; status?: string };
    if (!snapshot.context || snapshot.status !== 'active') continue;
    const actorId = `position:${p.id}`;
    const key = slotKey(p.accountId, p.symbol);
    slots[key] = { positionId: p.id, actorId, accountId: p.accountId, symbol: p.symbol, side: p.side };
    byPosition[p.id] = key;
    bySymbol[p.symbol] = [...(bySymbol[p.symbol] ?? []), actorId];
    lastEntryAt[key] = p.openedAt;
    children[actorId] = { snapshot, src: 'position', systemId: actorId, syncSnapshot: false };
  }
  if (Object.keys(children).length === 0) return undefined;
  return {
    status: 'active',
    value: 'running',
    historyValue: {},
    context: { slots, byPosition, bySymbol, lastEntryAt },
    children,
  };
}

export interface RearmOptions {
  /** The venue lost every order (a fresh paper exchange): working entry legs go back on its book too. */
  readonly freshVenue: boolean;
  readonly protectiveStops: ProtectiveStopMode;
  readonly ts: number;
}

/**
 * What a restored position asks of the broker, again (a broker that kept its orders): the commands it may have issued just before
 * the previous process died, before they reached the broker. Each is idempotent on the broker side
 * (orders are keyed by their deterministic tag; a stop already at this price and size is left alone;
 * a close never exceeds what the broker still holds), so re-sending one that did arrive is harmless.
 * - entry legs never acknowledged (`sent`), or every live leg on a fresh venue: placeEntry;
 * - legs being cancelled: cancelEntry;
 * - an open state with contracts held: the protective stop at the ladder's stop for the open size;
 * - exiting: the stop cancelled first (left working after the close it would open a new position),
 *   then the close of what is still held.
 */
export function rearmCommands(view: PositionView, options: RearmOptions): EngineCommand[] {
  const ctx = view.context;
  if (view.state === 'closed' || view.state === 'cancelled') return [];
  const ts = options.ts;
  const open = openQty(ctx);
  const place = (legs: PositionContext['legs']): EngineCommand[] =>
    legs.length === 0 ? [] : [placeEntryCommand(ctx, legs, ts)];
  const stop = (quantity: number): EngineCommand[] =>
    options.protectiveStops !== 'local' ? [moveStopCommand(ctx, quantity, ts)] : [];
  if (options.freshVenue) {
    // A fresh (paper) venue holds no position: its working legs, and a stop for what is held, which
    // also finishes an interrupted exit when the market gets there.
    return [
      ...place(ctx.legs.filter((l) => l.status === 'sent' || l.status === 'working')),
      ...(open > 0 ? stop(open) : []),
    ];
  }
  const cancelling = ctx.legs.filter((l) => l.status === 'cancelling').map((l) => l.tag);
  const cancel: EngineCommand[] = cancelling.length > 0 ? [cancelEntryCommand(ctx, cancelling, ts)] : [];
  if (view.state !== 'exiting')
    return [
      ...place(ctx.legs.filter((l) => l.status === 'sent')),
      ...cancel,
      ...(open > 0 ? stop(open) : []),
    ];
  const close: EngineCommand[] =
    open > 0 && ctx.exitSeq > 0 ? [closePositionCommand(ctx, open, ts, ctx.exitReason ?? 'manual')] : [];
  return [...cancel, ...stop(0), ...close];
}
