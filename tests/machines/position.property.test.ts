/**
 * Properties of the position machine over random scripts of prices, fills, acks and alerts
 * (tests/machines/driver.ts). Each property runs 1,000 generated scenarios.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  averageEntryPrice,
  averageExitPrice,
  openQty,
  realizedGross,
  rungStop,
} from '../../machines/position/ladder.ts';
import type { PositionContext } from '../../machines/position/types.ts';
import type { EngineCommand } from '../../src/domain/events.ts';
import {
  positionTarget,
  runScenario,
  runtimeTarget,
  type Scenario,
  scenarioArb,
  stateRank,
} from './driver.ts';

const RUNS = 1_000;
const OPEN = new Set(['active', 'tp1', 'tp2', 'tp3']);

describe('position machine properties', () => {
  // XState warns on every event sent to a finished actor; the scripts do that on purpose.
  beforeAll(() => {
    const warn = console.warn.bind(console);
    vi.spyOn(console, 'warn').mockImplementation((...args: unknown[]) => {
      if (String(args[0]).includes('was sent to stopped actor')) return;
      warn(...args);
    });
  });
  afterAll(() => vi.restoreAllMocks());

  it('never goes back to an earlier state', () => {
    fc.assert(
      fc.property(scenarioArb, (s: Scenario) => {
        let rank = 0;
        runScenario(s, positionTarget(s), (t) => {
          const next = stateRank(t.state() ?? '');
          expect(next).toBeGreaterThanOrEqual(rank);
          rank = next;
        });
      }),
      { numRuns: RUNS },
    );
  });

  it('closed and cancelled absorb every event', () => {
    fc.assert(
      fc.property(scenarioArb, (s: Scenario) => {
        let frozen: PositionContext | undefined;
        runScenario(s, positionTarget(s), (t) => {
          const state = t.state();
          if (frozen) expect(t.context()).toEqual(frozen);
          else if (state === 'closed' || state === 'cancelled') frozen = t.context();
        });
      }),
      { numRuns: RUNS },
    );
  });

  it('only ever tightens the stop', () => {
    fc.assert(
      fc.property(scenarioArb, (s: Scenario) => {
        const dir = s.side === 'long' ? 1 : -1;
        let previous: number | undefined;
        let previousSignal: string | undefined;
        runScenario(s, positionTarget(s), (t) => {
          const ctx = t.context()!;
          // A replaced pending entry carries a new plan (and a new initial stop) before any fill.
          if (ctx.filledQty === 0 || ctx.signalId !== previousSignal) {
            previous = ctx.stop;
            previousSignal = ctx.signalId;
            return;
          }
          if (previous !== undefined) expect(dir * (ctx.stop - previous)).toBeGreaterThanOrEqual(0);
          previous = ctx.stop;
        });
      }),
      { numRuns: RUNS },
    );
  });

  it('after TPn the stop equals its rung', () => {
    fc.assert(
      fc.property(scenarioArb, (s: Scenario) => {
        runScenario(s, positionTarget(s), (t) => {
          const state = t.state();
          const ctx = t.context()!;
          if (state === 'tp1' || state === 'tp2' || state === 'tp3') {
            const rung = Number(state.slice(2)) as 1 | 2 | 3;
            expect(ctx.rung).toBe(rung);
            if (rung > 1) expect(ctx.stop).toBe(rungStop(ctx, rung));
            // TP1's rung is the entry at the time it was reached; later scale-ins do not move it back.
            else expect(ctx.stop).toBeGreaterThan(0);
          }
          if (state === 'active') expect(ctx.rung).toBe(0);
        });
      }),
      { numRuns: RUNS },
    );
  });

  it('keeps the protective stop size equal to the open size', () => {
    fc.assert(
      fc.property(scenarioArb, (s: Scenario) => {
        const { broker } = runScenario(s, positionTarget(s), (t) => {
          const state = t.state()!;
          if (!OPEN.has(state)) return;
          const ctx = t.context()!;
          expect(ctx.stopQty).toBe(openQty(ctx));
          expect(ctx.stopOrderPrice).toBe(ctx.stop);
        });
        // A zero-size stop (cancel) is only ever sent as the first step of leaving, right before the close.
        broker.commands.forEach((c, i) => {
          if (c.type !== 'moveStop' || c.quantity > 0) return;
          const next = broker.commands[i + 1];
          expect(
            next?.type === 'closePosition' ||
              broker.commands.slice(i + 1).every((n) => n.type !== 'moveStop'),
          ).toBe(true);
        });
      }),
      { numRuns: RUNS },
    );
  });

  it('realised P&L has the sign of (exit − entry) × direction', () => {
    fc.assert(
      fc.property(scenarioArb, (s: Scenario) => {
        const { target } = runScenario(s, positionTarget(s));
        const ctx = target.context()!;
        if (ctx.exitedQty === 0) return;
        const entry = averageEntryPrice(ctx)!;
        const exit = averageExitPrice(ctx)!;
        const dir = s.side === 'long' ? 1 : -1;
        // `|| 0`: a flat trade is zero whichever way it is signed (a short exit at its entry is −0 × −1).
        expect(Math.sign(realizedGross(ctx)) || 0).toBe(
          Math.sign(Math.round((exit - entry) * dir * 1e6)) || 0,
        );
      }),
      { numRuns: RUNS },
    );
  });

  it('the same events always give the same commands', () => {
    fc.assert(
      fc.property(scenarioArb, (s: Scenario) => {
        const a = runScenario(s, positionTarget(s)).broker.commands;
        const b = runScenario(s, positionTarget(s)).broker.commands;
        expect(b).toEqual(a);
      }),
      { numRuns: RUNS },
    );
  });

  it('band routing gives the same commands as sending every tick', () => {
    fc.assert(
      fc.property(scenarioArb, (s: Scenario) => {
        const everyTick = runScenario(s, positionTarget(s));
        const routed = runScenario(s, runtimeTarget(s));
        expect(routed.broker.commands).toEqual(everyTick.broker.commands);
        expect(routed.target.state()).toBe(everyTick.target.state());
        expect(routed.target.context()).toEqual(everyTick.target.context());
      }),
      { numRuns: RUNS },
    );
  });

  it('persisting and restoring the snapshot at any point gives the same result as an uninterrupted run', () => {
    fc.assert(
      fc.property(scenarioArb, fc.nat(), (s: Scenario, cut: number) => {
        const k = cut % (s.ops.length + 1);
        const whole = runScenario(s, runtimeTarget(s));
        // Run the first k operations, persist through JSON, restore into a new runtime, run the rest.
        const first = runScenario({ ...s, ops: s.ops.slice(0, k) }, runtimeTarget(s));
        const stored = JSON.parse(JSON.stringify(first.target.runtime.persistedSnapshot()));
        const commandsBefore: EngineCommand[] = [...first.broker.commands];
        const rest = runScenario({ ...s, ops: s.ops.slice(k) }, (broker) => {
          // Carry the exchange's view over: the restored engine talks to the same broker.
          Object.assign(broker, first.broker, { commands: broker.commands });
          return runtimeTarget(s, stored)(broker);
        });
        expect([...commandsBefore, ...rest.broker.commands]).toEqual(whole.broker.commands);
        expect(rest.target.state() ?? first.target.state()).toBe(whole.target.state());
        expect(rest.target.context() ?? first.target.context()).toEqual(whole.target.context());
      }),
      { numRuns: RUNS },
    );
  });
});
