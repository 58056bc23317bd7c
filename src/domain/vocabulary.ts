/**
 * The closed vocabularies, each defined once and used from the machines to the database and the
 * dashboard: adding a member is a compile error wherever a switch over it is not exhaustive, and
 * tests compare each list with the database's enum or check constraint.
 */

/** A position's state as stored and shown: the position machine's own state names. */
export const POSITION_STATES = [
  'pending_entry',
  'active',
  'tp1',
  'tp2',
  'tp3',
  'closed',
  'cancelled',
] as const;
export type PositionState = (typeof POSITION_STATES)[number];

/**
 * Every state the position machine publishes. `cancelling` (entry cancel in flight) is stored as
 * pending_entry and `exiting` as the highest rung it reached (src/runtime/persistence.ts).
 */
export const POSITION_MACHINE_STATES = [...POSITION_STATES, 'cancelling', 'exiting'] as const;
export type PositionMachineState = (typeof POSITION_MACHINE_STATES)[number];

/** Why a position ended, in report order. */
export const EXIT_REASONS = [
  'initial_stop',
  'stop_breakeven',
  'stop_tp1',
  'stop_tp2',
  'target_tp3',
  'opposing_alert',
  'close_alert',
  'session_flatten',
  'guard_flatten',
  'broker_flatten',
  'manual',
] as const;
export type ExitReason = (typeof EXIT_REASONS)[number];

/** The order commands a position issues (src/domain/events.ts EngineCommand). */
export const COMMAND_TYPES = ['placeEntry', 'cancelEntry', 'closePosition', 'moveStop'] as const;
export type CommandType = (typeof COMMAND_TYPES)[number];

/** Ends an exhaustive switch: a member nobody handles does not compile. */
export function assertNever(value: never, what: string): never {
  throw new Error(`unknown ${what}: ${JSON.stringify(value)}`);
}

export function isPositionState(value: unknown): value is PositionState {
  return typeof value === 'string' && (POSITION_STATES as readonly string[]).includes(value);
}

/** A machine state name read back from a snapshot; anything else is a bug, never a silent default. */
export function positionMachineState(value: unknown): PositionMachineState {
  if (typeof value === 'string' && (POSITION_MACHINE_STATES as readonly string[]).includes(value))
    return value as PositionMachineState;
  throw new Error(`unknown position machine state ${JSON.stringify(value)}`);
}
