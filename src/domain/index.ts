/** The trading domain: plain values and pure functions. See README.md in this folder. */
export * from './alert.ts';
export * from './confirmation.ts';
export * from './events.ts';
export * from './filters.ts';
export * from './guards.ts';
export * from './instruments.ts';
export * from './levels.ts';
export * from './metrics.ts';
export * from './plan.ts';
export * from './pnl.ts';
export * from './profile.ts';
export * from './session-time.ts';
export * from './settings.ts';
export * from './sizing.ts';
export * from './tags.ts';
export * from './ticks.ts';
export * from './types.ts';
