import { describe, expect, it } from 'vitest';
import {
  checkMachineVersion,
  MachineVersionMismatchError,
  restorablePositions,
} from '../../../src/adapters/store/recovery.ts';
import type { PositionRecord } from '../../../src/ports/store.ts';
import { position } from './fixtures.ts';

const storeWith = (positions: PositionRecord[]) => ({ openPositions: async () => positions });

describe('crash recovery', () => {
  it('returns the open positions when every snapshot has this machine version', async () => {
    const open = [position('A'), position('B', { state: 'active', filledQuantity: 2 })];
    expect(await restorablePositions(storeWith(open), 'position@1')).toEqual(open);
  });

  it('a snapshot from another machine version stops the restore with a message saying what to do', async () => {
    const open = [
      position('A'),
      position('B', { machineVersion: 'position@0', state: 'tp1', filledQuantity: 2 }),
    ];
    const failure = restorablePositions(storeWith(open), 'position@1');
    await expect(failure).rejects.toBeInstanceOf(MachineVersionMismatchError);
    await expect(failure).rejects.toThrow(
      /this build's "position@1": B \(ES long, tp1, saved by "position@0"\)\. Fix: .*flatten them at the broker and set their state to 'cancelled'/,
    );
  });

  it('checkMachineVersion passes a matching position and names a mismatching one', () => {
    expect(() => checkMachineVersion(position('A'), 'position@1')).not.toThrow();
    expect(() => checkMachineVersion(position('A'), 'position@2')).toThrow(
      /A \(ES long, pending_entry, saved by "position@1"\)/,
    );
  });
});
