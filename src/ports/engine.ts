/**
 * What the engine tells the outside world, as the adapters see it: the runtime's outputs and the
 * position views. Types only: an adapter depends on this port, never on the machines or the
 * runtime themselves (tests/architecture.test.ts).
 */
export type { EngineEmitted } from '../../machines/engine/machine.ts';
export type { PositionContext } from '../../machines/position/types.ts';
export type { PositionView, RuntimeOutput } from '../runtime/engine-runtime.ts';
