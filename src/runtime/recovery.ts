/**
 * Crash recovery: rebuild the engine's persisted snapshot from the position rows, each of which
 * stores its own actor snapshot. The result restores every live position actor with its ladder,
 * legs and deadlines exactly where they were; no entry action runs again, so no order is re-sent.
 */
import { ENGINE_MACHINE_VERSION, slotKey } from '../../machines/engine/machine.ts';
import type { PositionContext } from '../../machines/position/types.ts';
import type { PositionRecord } from '../ports/store.ts';

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
