/**
 * Crash recovery support: open positions come back from their stored actor snapshots, but only
 * when they were written by the same position-machine version this build runs. A snapshot from
 * another version could restore into states or context fields that no longer exist.
 */
import type { PositionRecord, Store } from '../../ports/store.ts';

export class MachineVersionMismatchError extends Error {
  override readonly name = 'MachineVersionMismatchError';
  constructor(
    readonly positions: readonly Pick<
      PositionRecord,
      'id' | 'symbol' | 'side' | 'state' | 'machineVersion'
    >[],
    readonly expectedVersion: string,
  ) {
    const list = positions
      .map((p) => `${p.id} (${p.symbol} ${p.side}, ${p.state}, saved by "${p.machineVersion}")`)
      .join(', ');
    super(
      `Cannot restore ${positions.length} open position(s) saved by another position-machine version than ` +
        `this build's "${expectedVersion}": ${list}. Fix: run the build that wrote them until they are closed, ` +
        `or flatten them at the broker and set their state to 'cancelled' (with closed_at) in the positions ` +
        'table, then start again.',
    );
  }
}

/** Throws MachineVersionMismatchError when the position was saved by another machine version. */
export function checkMachineVersion(position: PositionRecord, expectedVersion: string): void {
  if (position.machineVersion !== expectedVersion)
    throw new MachineVersionMismatchError([position], expectedVersion);
}

/** Open positions to restore on start, all checked; one error lists every mismatch. */
export async function restorablePositions(
  store: Pick<Store, 'openPositions'>,
  expectedVersion: string,
  accountId?: string,
): Promise<PositionRecord[]> {
  const open = await store.openPositions(accountId);
  const mismatched = open.filter((p) => p.machineVersion !== expectedVersion);
  if (mismatched.length > 0) throw new MachineVersionMismatchError(mismatched, expectedVersion);
  return open;
}
