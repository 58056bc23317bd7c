import { describe, expect, it } from 'vitest';
import {
  EXIT_REASON_NAMES,
  exitReasonName,
  POSITION_STATE_NAMES,
  positionStateName,
  STOP_RUNG_NAMES,
  stopRungName,
} from '../../src/domain/format.ts';
import { EXIT_REASONS, POSITION_MACHINE_STATES } from '../../src/domain/vocabulary.ts';

describe('names of exit reasons, stop rungs and states', () => {
  it('names every exit reason, state and rung', () => {
    expect(Object.keys(EXIT_REASON_NAMES).sort()).toEqual([...EXIT_REASONS].sort());
    expect(Object.keys(POSITION_STATE_NAMES).sort()).toEqual([...POSITION_MACHINE_STATES].sort());
    expect(STOP_RUNG_NAMES).toHaveLength(4);
  });

  it('says a stop-out by the stop that was hit', () => {
    expect(exitReasonName('initial_stop')).toBe('initial stop');
    expect(exitReasonName('stop_breakeven')).toBe('breakeven stop');
    expect(exitReasonName('stop_tp1')).toBe('TP1 stop');
    expect(exitReasonName('target_tp3')).toBe('TP3 target');
    expect(exitReasonName('some_new_reason')).toBe('some new reason');
  });

  it('names the ladder stop for the highest target reached', () => {
    expect([0, 1, 2, 3].map(stopRungName)).toEqual([
      'initial stop',
      'breakeven stop',
      'TP1 stop',
      'TP2 stop',
    ]);
    expect(stopRungName(4)).toBe('stop after TP4');
  });

  it('reads position states without underscores', () => {
    expect(positionStateName('pending_entry')).toBe('pending entry');
    expect(positionStateName('tp2')).toBe('TP2 hit');
    expect(positionStateName('odd_state')).toBe('odd state');
  });
});
