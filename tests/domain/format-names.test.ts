import { describe, expect, it } from 'vitest';
import {
  duration,
  EXIT_REASON_NAMES,
  exitReasonName,
  POSITION_STATE_NAMES,
  positionStateName,
  STOP_RUNG_NAMES,
  stopRungName,
} from '../../src/domain/format.ts';
import { EXIT_REASONS, POSITION_MACHINE_STATES } from '../../src/domain/vocabulary.ts';

describe('duration', () => {
  it('shows the two largest units in whole seconds', () => {
    expect(duration(0)).toBe('0 s');
    expect(duration(999)).toBe('0 s');
    expect(duration(42_000)).toBe('42 s');
    expect(duration(185_400)).toBe('3 min 5 s');
    expect(duration(2 * 3_600_000 + 15 * 60_000 + 59_000)).toBe('2 h 15 min');
    expect(duration(3 * 86_400_000 + 4 * 3_600_000 + 5 * 60_000)).toBe('3 d 4 h');
  });

  it('leaves out a zero second unit', () => {
    expect(duration(180_000)).toBe('3 min');
    expect(duration(7_200_000)).toBe('2 h');
    expect(duration(86_400_000 + 30_000)).toBe('1 d');
  });

  it('signs a negative length and dashes a missing one', () => {
    expect(duration(-90_000)).toBe('-1 min 30 s');
    expect(duration(Number.NaN)).toBe('—');
  });
});

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
